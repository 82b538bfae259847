/**
 * A trigger worker in a process of its own, for fault cases that kill it. Configured by env:
 * PTT_FAULT_APP (JSON: `{ tag, ...FaultAppOptions }`), DATABASE_URL, TEMPORAL_ADDRESS,
 * PTT_FAULT_HOOK (`pause-after-commit`: print `COMMITTED <workflow id>` and hang there;
 * `announce-query`: print `QUERY <records read>` at each scheduler query, then hold it 3 s),
 * PTT_FAULT_POOL (connections), PTT_FAULT_CONCURRENCY (activities at once), PTT_FAULT_BUNDLE (a prebuilt workflow bundle). Prints `READY` once polling; SIGTERM shuts it down gracefully.
 */
import { Client, Connection } from '@temporalio/client';
import { activityInfo } from '@temporalio/activity';
import { NativeConnection, type ActivityExecuteInput, type ActivityInboundCallsInterceptor, type Next } from '@temporalio/worker';
import { createPrismaClient } from '../../example/prisma-client';
import { createTriggerWorker } from '../../src';
import { makeFaultApp, type FaultAppOptions } from './app';
import { workerAppName } from './proof';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** After an attempt's transaction committed, before its result reaches Temporal: print `COMMITTED <workflow id>` and hang there. */
class PauseAfterCommit implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const out = (await next(input)) as { status?: string };
    if (activityInfo().activityType === 'pttRunAction' && out?.status === 'success') {
      say(`COMMITTED ${activityInfo().workflowExecution?.workflowId ?? ""}`);
      await new Promise(() => {});
    }
    return out;
  }
}

class AnnounceQueries implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    if (activityInfo().activityType === 'pttFindRecords') {
      say(`QUERY ${(input.args[0] as { alreadyRead: number }).alreadyRead}`);
      await new Promise((r) => setTimeout(r, 3000));
    }
    return next(input);
  }
}

// A worker whose fault case is gone (its parent killed) exits instead of running on.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();

async function main(): Promise<void> {
  const { tag, ...options } = JSON.parse(process.env.PTT_FAULT_APP ?? '{}') as { tag: string } & FaultAppOptions;
  const app = makeFaultApp(tag, options);
  // Its connections carry its name, so a case can see in pg_stat_activity what it was doing when killed.
  const url = new URL(process.env.DATABASE_URL!);
  url.searchParams.set('application_name', workerAppName(process.pid));
  const prisma = createPrismaClient(url.toString(), { max: Number(process.env.PTT_FAULT_POOL ?? 10) });
  const address = process.env.TEMPORAL_ADDRESS!;
  const hook = process.env.PTT_FAULT_HOOK;
  const worker = await createTriggerWorker({
    connection: await NativeConnection.connect({ address }),
    client: new Client({ connection: await Connection.connect({ address }) }),
    app,
    prisma,
    registerSchedules: false,
    warn: () => {},
    ...(process.env.PTT_FAULT_BUNDLE ? { workflowBundle: { codePath: process.env.PTT_FAULT_BUNDLE } } : {}),
    workerOptions: {
      ...(hook === 'announce-query' ? { interceptors: { activity: [() => ({ inbound: new AnnounceQueries() })] } } : {}),
      ...(hook === 'pause-after-commit' ? { interceptors: { activity: [() => ({ inbound: new PauseAfterCommit() })] } } : {}),
      ...(process.env.PTT_FAULT_CONCURRENCY ? { maxConcurrentActivityTaskExecutions: Number(process.env.PTT_FAULT_CONCURRENCY), maxConcurrentLocalActivityExecutions: Number(process.env.PTT_FAULT_CONCURRENCY) } : {}),
    },
  });
  const running = worker.run();
  say('READY');
  await running;
  await prisma.$disconnect();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
