/**
 * The app whose runs the committed replay histories were recorded from (test/replay/record.ts)
 * and whose workflow bundle replays them (test/unit/replay.test.ts). Its stable names and roles
 * must not change: the histories name them. The actions' behaviour is steered by the recorder.
 */
import { cancel, defineApp, defineResource, snooze } from '../../src';

export const QUEUE = 'replay';

/**
 * Per subject: how many more times the action should fail, snooze (`snooze`: for 1 s, `snoozeZero`:
 * for 0 s), hang, or meet a database outage before it succeeds; `cancel`: cancel instead.
 */
export const script = new Map<string, { fail?: number; snooze?: number; snoozeZero?: number; hang?: number; outage?: number; cancel?: boolean }>();
/** Per subject: what onError does, once each, before it handles the record (`fail`: it throws every time). */
export const onErrorScript = new Map<string, { cancel?: boolean; snooze?: number; outage?: number; fail?: boolean }>();
/**
 * Per record id: the recorder's worker loses the next action attempt's result, `before` it runs
 * (nothing committed) or `after` it committed, as when its worker dies (see record.ts).
 */
export const lose = new Map<number, 'before' | 'after'>();
/** Calls of where functions that should throw before they answer (the scheduler's query retry). */
export const queryFailures = { left: 0 };

/** An error the library takes for the database being unreachable. */
function outageError(): Error {
  return Object.assign(new Error("Can't reach database server (scripted outage)"), { code: 'P1001' });
}
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

/** What the script says for this subject now (hang, snooze, fail, outage, cancel), before the work. */
async function follow(subject: string, attempt: number): Promise<void> {
  const s = script.get(subject) ?? {};
  if (s.hang && s.hang-- > 0) await release.promise;
  if (s.snooze && s.snooze-- > 0) snooze(1);
  if (s.snoozeZero && s.snoozeZero-- > 0) snooze(0);
  if (s.outage && s.outage-- > 0) throw outageError();
  if (s.cancel) cancel('scripted cancel');
  if (s.fail && s.fail-- > 0) throw new Error(`scripted failure of ${subject} (attempt ${attempt})`);
}

type Tx = { ticket: { update(a: unknown): Promise<unknown> } };

async function scripted(t: { id: number; subject: string }, c: { attempt: number; tx: unknown }): Promise<void> {
  await follow(t.subject, c.attempt);
  await (c.tx as Tx).ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
}

/** onError as onErrorScript says, then it marks the record errored. */
async function scriptedOnError(t: { id: number; subject: string }, c: { tx: unknown }): Promise<void> {
  const s = onErrorScript.get(t.subject) ?? {};
  if (s.cancel) cancel('scripted cancel in onError');
  if (s.snooze && s.snooze-- > 0) snooze(1);
  if (s.outage && s.outage-- > 0) throw outageError();
  if (s.fail) throw new Error(`scripted onError failure of ${t.subject}`);
  await (c.tx as Tx).ticket.update({ where: { id: t.id }, data: { status: 'errored' } });
}

/** A chunk action: the first record's script for the whole chunk, then records named `bad` fail alone. */
async function scriptedChunk(records: { id: number; subject: string }[], c: { attempt: number; tx: unknown }) {
  await follow(records[0]!.subject, c.attempt);
  const bad = records.filter((r) => r.subject.includes('bad'));
  for (const r of records.filter((x) => !bad.includes(x))) await (c.tx as Tx).ticket.update({ where: { id: r.id }, data: { status: 'processed' } });
  return { failed: bad.map((record) => ({ record, error: new Error('bad record') })) };
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
    // recorded from the attempt engine on (ptt-attempt-engine)
    quiet: { ...base, ...names('quiet'), maxAttempts: 2, backoff: 1, logErrors: false, logFinalError: false, debug: true, action: scripted },
    activityMode: { ...base, ...names('activityMode'), attemptsAs: 'activity', maxAttempts: 2, backoff: 1, action: scripted },
    activityOnce: { ...base, ...names('activityOnce'), attemptsAs: 'activity', action: scripted },
    handledScripted: { ...base, ...names('handledScripted'), action: scripted, onError: scriptedOnError },
    chunkScripted: {
      ...base,
      ...names('chunkScripted'),
      where: { status: 'open', subject: { startsWith: 'cs ' } },
      chunks: { size: 5 },
      maxAttempts: 2,
      backoff: 1,
      timeout: 1000,
      chunkAction: scriptedChunk,
      onError: scriptedOnError,
    },
    chunkOnce: {
      ...base,
      ...names('chunkOnce'),
      where: { status: 'open', subject: { startsWith: 'co ' } },
      chunks: { size: 5 },
      attemptsAs: 'activity',
      onErrorFailsJob: true,
      chunkAction: scriptedChunk,
      onError: scriptedOnError,
    },
    chunkPlain: { ...base, ...names('chunkPlain'), where: { status: 'open', subject: { startsWith: 'cp ' } }, chunks: { size: 5 }, chunkAction: scriptedChunk },
    paused: { ...base, ...names('paused'), state: 'paused', action: scripted },
    busy: { ...base, ...names('busy'), where: { status: 'open', subject: { startsWith: 'busy' } }, action: scripted },
    // a timeout function that throws (the attempt runs without a limit), a backoff function that
    // throws (the exponential default), and a run with arguments, extra args and an actor
    brokenFunctions: {
      ...base,
      ...names('brokenFunctions'),
      maxAttempts: 2,
      timeout: ({ attempt }) => {
        if (attempt === 1) return 1000;
        throw new Error('scripted timeout function failure');
      },
      backoff: () => {
        throw new Error('scripted backoff function failure');
      },
      action: scripted,
    },
    defaultBackoff: { ...base, ...names('defaultBackoff'), maxAttempts: 2, timeout: 1000, action: scripted },
    withArgs: {
      ...base,
      ...names('withArgs'),
      where: { status: 'open', subject: { startsWith: 'with args' } },
      extraArgs: (t) => ({ subject: (t as { subject: string }).subject }),
      actorPersister: { store: (actor) => actor, lookup: (stored) => stored },
      action: scripted,
    },
    chunkTenants: {
      ...base,
      ...names('chunkTenants'),
      where: { status: 'open', subject: { startsWith: 'ct ' } },
      chunks: { size: 5 },
      useTenantFromRecord: true,
      tenantFrom: (t) => {
        if ((t as { subject: string }).subject.endsWith('broken')) throw new Error('scripted tenantFrom failure');
        return 't1';
      },
      chunkAction: scriptedChunk,
    },
    flakyQuery: {
      ...base,
      ...names('flakyQuery'),
      maxSchedulerAttempts: 2,
      where: () => {
        if (queryFailures.left > 0) {
          queryFailures.left--;
          throw new Error('scripted query failure');
        }
        return { status: 'open', subject: { startsWith: 'flaky' } };
      },
      action: scripted,
    },
    poisoned: {
      ...base,
      ...names('poisoned'),
      where: { status: 'open', subject: { startsWith: 'poisoned' } },
      readMetadata: (t) => ((t as { subject: string }).subject.endsWith('big') ? { blob: 'x'.repeat(3_000_000) } : undefined),
      action: scripted,
    },
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
    oneTenant: { cron: '@yearly', queue: QUEUE, workflowType: 'replay.oneTenant', listTenants: ['t1'], action: async () => {} },
    scriptedAction: {
      cron: '@yearly',
      queue: QUEUE,
      workflowType: 'replay.scriptedAction',
      maxAttempts: 2,
      backoff: 1,
      action: async (c) => follow('scripted action', c.attempt),
    },
  },
});

export const replayApp = defineApp({ name: 'replay', resources: [ReplayTickets] });
