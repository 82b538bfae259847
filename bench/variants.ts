/**
 * The benchmark's variants: each runs one round of `n` records (or calls) against its own worker
 * process and returns the round's measurements. See bench/run.ts for what each row stands for.
 */
import type { SchedulerResult } from '../src';
import { CHUNK_SIZE } from './app';
import { PAGE_SQL, CHUNK_UPDATE_SQL } from './chunk-sql';
import { measure, type Round } from './measure';
import { eventsOfRuns, graphileProcess, meanChildEvents, resetTickets, temporalWorkerProcess, waitClosed, waitJobsDone, waitProcessed, withProcess, type Env } from './stack';

export type Variant = (e: Env, n: number, round: number) => Promise<Round>;

/** graphile-worker's concurrency for the batch-job rows (set by the sweep before the chunk rounds). */
export const graphileConcurrency = { batch: 4, perRecord: 16 };

/** A library trigger's tick: schedule it, wait for its records and for every run to close. */
async function libraryTick(e: Env, variant: string, n: number, trigger: string, workflowType: string, note?: (started: number) => string): Promise<Round> {
  return withProcess(e, () => temporalWorkerProcess(variant, e.address), async () => {
    await resetTickets(e.db, n);
    const since = new Date();
    let wfId = '';
    let started = 0;
    const round = await measure(e, variant, n, async () => {
      const handle = await e.triggers.schedule(trigger);
      wfId = handle.workflowId;
      started = ((await handle.result()) as SchedulerResult).started;
      await waitProcessed(e.db, n);
      await waitClosed(e.client, [workflowType]);
      return {};
    });
    const runs = await eventsOfRuns(e.client, wfId, since);
    const child = await meanChildEvents(e.client, wfId, since);
    return { ...round, events: runs.total + started * child.events, historyBytes: runs.bytes + started * child.bytes, maxEventsPerRun: runs.max, ...(note ? { note: note(started) } : {}) };
  });
}

/** A hand-written Temporal baseline: a parent workflow (and its children) on the baseline worker. */
async function handWritten(e: Env, n: number, r: number, variant: string, parent: string, children: { type: string; per: number } | undefined, args: Record<string, unknown>, note: string): Promise<Round> {
  return withProcess(e, () => temporalWorkerProcess('baseline', e.address), async () => {
    await resetTickets(e.db, n);
    const wfId = `${variant}-${r}-${Date.now()}`;
    const round = await measure(e, variant, n, async () => {
      await e.client.workflow.start(parent, { taskQueue: 'bench-baseline', workflowId: wfId, args: [{ afterId: 0, childQueue: 'bench-baseline', prefix: wfId, ...args }] });
      await waitProcessed(e.db, n);
      await waitClosed(e.client, [parent, ...(children ? [children.type] : [])]);
      return {};
    });
    const runs = await eventsOfRuns(e.client, wfId);
    const child = children ? await meanChildEvents(e.client, wfId) : { events: 0, bytes: 0 };
    const perChildren = children ? n / children.per : 0;
    return { ...round, events: runs.total + perChildren * child.events, historyBytes: runs.bytes + perChildren * child.bytes, maxEventsPerRun: runs.max, note };
  });
}

/** graphile-worker: enqueue the jobs (timed apart), then let the lean worker process work them. */
async function graphileRound(e: Env, n: number, variant: string, concurrency: number, batch: number | undefined, note: string): Promise<Round> {
  return withProcess(e, () => graphileProcess(concurrency), async (w) => {
    await resetTickets(e.db, n);
    let enqueueMs = 0;
    const round = await measure(e, variant, n, async () => {
      const t0 = performance.now();
      // the same keyset pages as the library's scheduler, one job per page (batch) or per id
      for (let afterId = 0; ; ) {
        const { rows } = await e.db.query<{ id: number }>(PAGE_SQL, [afterId, 5_000]);
        if (!rows.length) break;
        const ids = rows.map((r) => r.id);
        const jobs = batch
          ? Array.from({ length: Math.ceil(ids.length / batch) }, (_, i) => ({ identifier: 'markBatch', payload: { ids: ids.slice(i * batch, (i + 1) * batch) } }))
          : ids.map((id) => ({ identifier: 'mark', payload: { id } }));
        await e.graphile.addJobs(jobs);
        afterId = ids[ids.length - 1]!;
      }
      enqueueMs = performance.now() - t0;
      w.go();
      await waitProcessed(e.db, n);
      await waitJobsDone(e.db);
      return {};
    });
    return { ...round, enqueueMs, note: `${note}; concurrency ${concurrency}` };
  });
}

async function latencyRound(e: Env, variant: string, n: number, role: string, start: (id: number) => Promise<unknown>, workflowType: string): Promise<Round> {
  return withProcess(e, () => temporalWorkerProcess(role, e.address), async () => {
    await resetTickets(e.db, n);
    const latencies: number[] = [];
    const round = await measure(e, variant, n, async () => {
      for (let id = 1; id <= n; id++) {
        const t0 = Date.now();
        await start(id);
        for (;;) {
          const { rows } = await e.db.query<{ at: Date | null }>('SELECT "processedAt" AS at FROM "Ticket" WHERE id = $1', [id]);
          if (rows[0]?.at) {
            latencies.push(rows[0].at.getTime() - t0);
            break;
          }
          await new Promise((res) => setTimeout(res, 2));
        }
      }
      return {};
    });
    await waitClosed(e.client, [workflowType]);
    return { ...round, latencies };
  });
}

export const variants: Record<string, Variant> = {
  // per record
  library: (e, n) => libraryTick(e, 'library', n, 'Ticket.process', 'Bench.Ticket.process'),
  'expert-db': (e, n, r) =>
    handWritten(e, n, r, 'expert-db', 'expertParent', { type: 'expertDbChild', per: 1 }, { child: 'expertDbChild' }, 'hand-written Temporal, local activities, with the same database guarantees (lock, re-check, commit marker)'),
  'expert-sa': (e, n, r) =>
    handWritten(e, n, r, 'expert-sa', 'expertParent', { type: 'expertSearchableChild', per: 1 }, { child: 'expertSearchableChild', searchable: true }, "expert-db made as searchable as the library's runs: the same search attributes at start, the outcome upserted at the end"),
  expert: (e, n, r) => handWritten(e, n, r, 'expert', 'expertParent', { type: 'expertChild', per: 1 }, { child: 'expertChild' }, 'hand-written Temporal, local activities, a bare update (no lock, re-check or marker)'),
  raw: (e, n, r) => handWritten(e, n, r, 'raw', 'baselineParent', { type: 'baselineChild', per: 1 }, {}, 'naive hand-written Temporal (normal activities, 500 child starts per task): context only'),
  'no-children': (e, n, r) => handWritten(e, n, r, 'no-children', 'noChildrenParent', undefined, {}, 'no workflow per record: one parent running the updates as local activities, 25 at a time'),
  // chunks
  chunk: (e, n) => libraryTick(e, 'chunk', n, 'Ticket.bulk', 'Bench.Ticket.bulk', (started) => `${started} chunks of ${CHUNK_SIZE}, declarative update`),
  'expert-chunk': (e, n, r) =>
    handWritten(e, n, r, 'expert-chunk', 'expertChunkParent', { type: 'expertChunkChild', per: CHUNK_SIZE }, { page: CHUNK_SIZE }, `hand-written Temporal: one child per ${CHUNK_SIZE} ids, one local activity with the set-based UPDATE (Temporal's floor per chunk)`),
  'expert-chunk-db': (e, n, r) =>
    handWritten(e, n, r, 'expert-chunk-db', 'expertChunkParent', { type: 'expertChunkDbChild', per: CHUNK_SIZE }, { page: CHUNK_SIZE, child: 'expertChunkDbChild' }, `expert-chunk with the library's exactly-once bookkeeping by hand (the run's lock, a commit marker with the ids written, rows another run holds skipped)`),
  'graphile-batch': (e, n) => graphileRound(e, n, 'graphile-batch', graphileConcurrency.batch, CHUNK_SIZE, `graphile-worker 0.17.3, batch jobs of ${CHUNK_SIZE} ids, one set-based UPDATE each`),
  graphile: (e, n) => graphileRound(e, n, 'graphile', graphileConcurrency.perRecord, undefined, 'graphile-worker 0.17.3, one job and one UPDATE per record: context only'),
  async 'sql-ceiling'(e, n) {
    // the client is this process: its CPU is the round's "worker" CPU
    e.workerPid = process.pid;
    e.workerReadyRss = 0;
    await resetTickets(e.db, n);
    const pages: number[][] = [];
    for (let afterId = 0; ; ) {
      const { rows } = await e.db.query<{ id: number }>(PAGE_SQL, [afterId, CHUNK_SIZE]);
      if (!rows.length) break;
      pages.push(rows.map((r) => r.id));
      afterId = pages[pages.length - 1]!.at(-1)!;
    }
    const round = await measure(e, 'sql-ceiling', n, async () => {
      for (const ids of pages) await e.db.query(CHUNK_UPDATE_SQL, [ids]);
      return {};
    });
    return { ...round, workerPeakRss: 0, note: `one client, the ${pages.length} set-based UPDATEs back to back (ids paged beforehand): the physical limit` };
  },
  // latency and idle
  latency: (e, n) => latencyRound(e, 'latency', n, 'latency', (id) => e.triggers.runTrigger({ id }, 'Ticket.stamp'), 'Bench.Ticket.stamp'),
  'latency-raw': (e, n, r) =>
    latencyRound(e, 'latency-raw', n, 'baseline', (id) => e.client.workflow.start('expertChild', { taskQueue: 'bench-baseline', workflowId: `latency-raw-${r}-${id}-${Date.now()}`, args: [id] }), 'expertChild'),
  idle: (e, n) =>
    withProcess(e, () => temporalWorkerProcess('idle', e.address), async () => {
      const events: number[] = [];
      const round = await measure(e, 'idle', n, async () => {
        for (let i = 0; i < n; i++) {
          const handle = await e.triggers.schedule('Ticket.idle');
          await handle.result();
          events.push((await e.client.workflow.getHandle(handle.workflowId, (handle as { firstExecutionRunId?: string }).firstExecutionRunId).fetchHistory()).events?.length ?? 0);
        }
        return {};
      });
      const history = await e.client.workflow.getHandle(`Bench.Ticket.idle.scheduler/manual/-`).fetchHistory();
      const activities = history.events?.filter((ev) => ev.activityTaskScheduledEventAttributes).length ?? 0;
      return { ...round, events: events.reduce((a, b) => a + b, 0), maxEventsPerRun: Math.max(...events), note: `${activities} activity (one record query) per tick` };
    }),
};
