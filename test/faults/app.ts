/**
 * The app the fault cases run (in the test process, to start runs, and in worker processes they
 * kill). Every record's action adds 1 to `attempts` and sets `processed`, and its `where` does not
 * look at the status: a second commit for a record shows as `attempts = 2` (a duplicate), a record
 * never committed as `attempts = 0` (lost). With `chunks`, the same per record, in chunk runs.
 */
import { defineApp, defineResource, type App } from '../../src';

export interface FaultAppOptions {
  /** Hold the transaction (and row locks) this long in each action, so a kill lands mid-action. */
  holdMs?: number;
  /** Attempt time limit (a lost attempt is noticed at this time); 'infinity': by heartbeat only. */
  timeout?: number | 'infinity';
  maxAttempts?: number;
  /** Records per scheduler page. */
  pageSize?: number;
  /** Each record's first call snoozes this many seconds (a durable timer) before it commits. */
  snoozeFirstSeconds?: number;
  /** Chunk runs of this many records (one transaction each) instead of a run per record. */
  chunks?: number;
}

const snoozed = new Set<string>();
type Tx = { ticket: { update(a: unknown): Promise<unknown> } };

async function commitOnce(t: { id: number }, tx: Tx): Promise<void> {
  await tx.ticket.update({ where: { id: t.id }, data: { attempts: { increment: 1 }, status: 'processed' } });
}

export function makeFaultApp(tag: string, o: FaultAppOptions = {}): App {
  const hold = async (): Promise<void> => {
    if (o.holdMs) await new Promise((r) => setTimeout(r, o.holdMs));
  };
  const common = {
    where: { subject: { startsWith: `${tag} ` } },
    schedulerCron: false as const,
    queue: `${tag}-q`,
    workflowType: `${tag}.work`,
    schedulerWorkflowType: `${tag}.work.scheduler`,
    maxAttempts: o.maxAttempts ?? 20,
    maxSchedulerAttempts: 1,
    backoff: 1,
    timeout: o.timeout ?? 5000,
    streamBatchSize: o.pageSize ?? 50,
  };
  const work = o.chunks
    ? {
        ...common,
        chunks: { size: o.chunks },
        chunkAction: async (records: { id: number }[], c: { tx: Tx }) => {
          for (const r of records) await commitOnce(r, c.tx);
          await hold();
        },
      }
    : {
        ...common,
        readMetadata: (t: { subject: string }) => (t.subject.endsWith(' poison') ? { blob: 'x'.repeat(3_000_000) } : undefined),
        action: async (t: { id: number }, { tx, snooze, workflowId }: { tx: Tx; snooze: (s: number) => never; workflowId: string }) => {
          if (o.snoozeFirstSeconds && !snoozed.has(workflowId)) {
            snoozed.add(workflowId);
            snooze(o.snoozeFirstSeconds);
          }
          await commitOnce(t, tx);
          await hold();
        },
      };
  return defineApp({ name: tag, resources: [defineResource<{ id: number; subject: string }>({ model: 'Ticket', triggers: { work } })] });
}
