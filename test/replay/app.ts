/**
 * The app whose runs the committed replay histories were recorded from (test/replay/record.ts)
 * and whose workflow bundle replays them (test/unit/replay.test.ts). Its stable names and roles
 * must not change: the histories name them. The actions' behaviour is steered by the recorder.
 */
import { cancel, defineApp, defineResource, snooze } from '../../src';

export const QUEUE = 'replay';

/** Per subject: how many more times the action should fail, snooze or hang before it succeeds. */
export const script = new Map<string, { fail?: number; snooze?: number; hang?: number }>();
/** Opened when the recorder ends: hanging attempts (those that must time out) wait on it. */
/** A gate hanging actions wait on: `open()` lets them through, `close()` makes the next ones wait again. */
export const release = {
  promise: new Promise<void>(() => {}),
  open: (): void => {},
  close(): void {
    release.promise = new Promise<void>((r) => (release.open = r));
  },
};
release.close();

async function scripted(t: { id: number; subject: string }, c: { attempt: number; tx: unknown }): Promise<void> {
  const s = script.get(t.subject) ?? {};
  if (s.hang && s.hang-- > 0) await release.promise;
  if (s.snooze && s.snooze-- > 0) snooze(1);
  if (s.fail && s.fail-- > 0) throw new Error(`scripted failure of ${t.subject} (attempt ${c.attempt})`);
  await (c.tx as { ticket: { update(a: unknown): Promise<unknown> } }).ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
}

const names = (name: string) => ({ queue: QUEUE, workflowType: `replay.${name}`, schedulerWorkflowType: `replay.${name}.scheduler` });
const base = { where: { status: 'open' as const }, schedulerCron: false as const };

export const ReplayTickets = defineResource({
  model: 'Ticket',
  triggers: {
    record: { ...base, ...names('record'), maxAttempts: 2, backoff: 1, action: scripted },
    handled: { ...base, ...names('handled'), action: scripted, onError: { update: { status: 'errored' } } },
    discarded: { ...base, ...names('discarded'), action: scripted, onError: { update: { status: 'errored' } }, onErrorFailsJob: true },
    once: {
      ...base,
      ...names('once'),
      triggerOnce: true,
      action: async () => {
        cancel('not this one');
      },
    },
    timesOut: { ...base, ...names('timesOut'), timeout: 1000, maxAttempts: 2, backoff: () => 1, action: scripted },
    paged: { ...base, ...names('paged'), where: { status: 'open', subject: { startsWith: 'paged' } }, streamBatchSize: 2, action: scripted },
    dangling: { ...base, ...names('dangling'), action: scripted },
    chunked: {
      ...base,
      ...names('chunked'),
      where: { status: 'open', subject: { startsWith: 'chunk' } },
      chunks: { size: 5 },
      maxAttempts: 2,
      backoff: 1,
      chunkAction: async (records: { id: number; subject: string }[], c: { tx: unknown }) => {
        const bad = records.filter((r) => r.subject.includes('bad'));
        for (const r of records.filter((x) => !bad.includes(x))) await (c.tx as { ticket: { update(a: unknown): Promise<unknown> } }).ticket.update({ where: { id: r.id }, data: { status: 'processed' } });
        return { failed: bad.map((record) => ({ record, error: new Error('bad record') })) };
      },
      onError: { update: { status: 'errored' } },
    },
    tenanted: { ...base, ...names('tenanted'), where: ({ tenant }) => ({ status: 'open', subject: { startsWith: `tenant ${String(tenant)}` } }), listTenants: ['t1', 't2'], action: scripted },
    limited: { ...base, ...names('limited'), maxAttempts: 2, backoff: 1, timeout: ({ attempt }) => (attempt === 1 ? 1000 : 'infinity'), action: scripted },
  },
  scheduledActions: {
    digest: {
      cron: '@yearly',
      queue: QUEUE,
      workflowType: 'replay.digest',
      maxAttempts: 2,
      backoff: 1,
      action: async (c) => {
        const s = script.get('digest') ?? {};
        if (s.snooze && s.snooze-- > 0) c.snooze(1);
        if (s.fail && s.fail-- > 0) throw new Error('scripted digest failure');
      },
    },
    perTenant: { cron: '@yearly', queue: QUEUE, workflowType: 'replay.perTenant', listTenants: ['t1', 't2'], action: async () => {} },
  },
});

export const replayApp = defineApp({ name: 'replay', resources: [ReplayTickets] });
