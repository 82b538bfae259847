/**
 * `npm run bench:statements`: the client CPU (this process, from `process.cpuUsage`) of the
 * database work of one chunk of BENCH_CHUNK_SIZE (500) records, and of one record, statement by
 * statement, as the library's attempts issue it through the app's PrismaClient, next to the
 * hand-written baselines' (expert-chunk-db and expert-chunk; expert-db). Where the rows of
 * `npm run bench` differ in worker CPU, this says which statement it is. Medians of
 * BENCH_STATEMENT_CHUNKS (200) chunks and BENCH_STATEMENT_RECORDS (1,000) records, the same records
 * for every variant (reset to open before each, outside the measurement).
 */
import { createPrismaClient } from '../example/prisma-client';
import { arrayLiteral, claimCountSql, claimSql, keysWhere } from '../activities/chunk-attempt';
import { committedKinds, lockRun, markCommitted, readMarkers } from '../src/prisma/commit-markers';
import { lockSql, runtimeModels, type AnyPrismaClient } from '../src/prisma/model-meta';
import { app, CHUNK_SIZE } from './app';
import { createBaselineActivities } from './baseline-activities';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { migrate } from '../src/devstack';
import { adminUrl, say } from './stack';
import { median } from './table';

const CHUNKS = Number(process.env.BENCH_STATEMENT_CHUNKS ?? 200);
const RECORDS = Number(process.env.BENCH_STATEMENT_RECORDS ?? 1000);

/** Client CPU of `fn` in ms. */
async function cpu<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const c0 = process.cpuUsage();
  const out = await fn();
  const c = process.cpuUsage(c0);
  return [out, (c.user + c.system) / 1000];
}

/** A database of its own (`ptt_bench_statements`, recreated), so it never disturbs a running `npm run bench`. */
async function prepareDatabase(): Promise<string> {
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS ptt_bench_statements WITH (FORCE)');
  await admin.query('CREATE DATABASE ptt_bench_statements');
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = '/ptt_bench_statements';
  await migrate(url.toString(), path.resolve(__dirname, '../prisma/migrations'));
  return url.toString();
}

async function main(): Promise<void> {
  const dbUrl = await prepareDatabase();
  const db = new PgClient({ connectionString: dbUrl });
  await db.connect();
  const n = CHUNK_SIZE * CHUNKS;
  await db.query(`INSERT INTO "Ticket" (subject, "updatedAt") SELECT 'bench ' || g, now() FROM generate_series(1, $1::int) g`, [n]);
  await db.query('VACUUM ANALYZE "Ticket"');
  const prisma = createPrismaClient(dbUrl) as unknown as AnyPrismaClient;
  const baseline = createBaselineActivities(prisma as never);
  const t = app.trigger('Ticket.bulk');
  const pk = t.resource.primaryKey;
  const times = new Map<string, number[]>();
  const add = (label: string, ms: number): void => void times.set(label, [...(times.get(label) ?? []), ms]);
  const idsOf = (c: number): number[] => Array.from({ length: CHUNK_SIZE }, (_, i) => c * CHUNK_SIZE + i + 1);
  const reopen = (ids: number[]) => db.query(`UPDATE "Ticket" SET status = 'open' WHERE id = ANY($1::int[])`, [ids]);

  // warm-up: every path once, unmeasured
  for (let round = 0; round < 2; round++) {
    for (let c = 0; c < CHUNKS; c++) {
      const ids = idsOf(c);
      const measured = round === 1;
      // the library: one transaction, the statements of activities/chunk-attempt.ts in its order
      await reopen(ids);
      const [, libTotal] = await cpu(() =>
        prisma.$transaction(async (tx: AnyPrismaClient) => {
          const wf = `lib-${round}-${c}`;
          const step = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
            const [out, ms] = await cpu(fn);
            if (measured) add(`library: ${label}`, ms);
            return out;
          };
          await step('the run lock', () => lockRun(tx, wf, 'r'));
          await step('its commit markers', () => readMarkers(tx, app, wf, 'r'));
          // the claim: one array parameter, only a count back (a claim that misses rows asks for the list)
          const [{ n }] = (await step(`the claim (one array parameter, FOR UPDATE SKIP LOCKED, a count back)`, () => tx.$queryRawUnsafe(claimCountSql(t, prisma, 'id'), arrayLiteral(ids)))) as [{ n: number }];
          const claimed = n === ids.length ? ids.map((id) => ({ id })) : ((await tx.$queryRawUnsafe(claimSql(t, prisma, ids.length), ...ids)) as { id: number }[]);
          const written = (await step('updateManyAndReturn on where ∩ the claimed keys', () =>
            tx.ticket.updateManyAndReturn({ where: { AND: [{ status: 'open' }, keysWhere(pk, claimed)] }, data: { status: 'processed' }, select: { id: true } }),
          )) as { id: number }[];
          await step('the commit marker with the per-record result', () => markCommitted(tx, app, wf, 'r', 'action:1', 1, { succeeded: written.map((r) => String(r.id)), noLongerApplies: [], inFlight: [], failed: [] }));
        }),
      );
      if (measured) add('library: whole attempt (with BEGIN and COMMIT)', libTotal);
      // the claim as the library issued it before (one parameter per key, the keys sent back), for comparison
      await reopen(ids);
      await prisma.$transaction(async (tx: AnyPrismaClient) => {
        const [, ms] = await cpu(() => tx.$queryRawUnsafe(claimSql(t, prisma, ids.length), ...ids));
        if (measured) add(`(the claim before: ${CHUNK_SIZE} key parameters, the keys back)`, ms);
      });
      await reopen(ids);
      const [, dbTotal] = await cpu(() => baseline.markChunkOnce(ids, `expert-${round}-${c}`, 'r'));
      if (measured) add('expert-chunk-db: whole (lock, marker, UPDATE … SKIP LOCKED RETURNING, marker)', dbTotal);
      await reopen(ids);
      const [, bareTotal] = await cpu(() => baseline.markChunk(ids));
      if (measured) add('expert-chunk: whole (one UPDATE)', bareTotal);
    }
  }
  say(`client CPU per chunk of ${CHUNK_SIZE} records, median of ${CHUNKS} chunks (ms):`);
  say('| statement | ms |');
  say('|---|---|');
  for (const [label, ms] of times) say(`| ${label} | ${median(ms).toFixed(2)} |`);

  // per record: the library's record attempt (the bench's function action) against expert-db's
  const perRecord = new Map<string, number[]>();
  const addRecord = (label: string, ms: number): void => void perRecord.set(label, [...(perRecord.get(label) ?? []), ms]);
  const r = app.trigger('Ticket.process');
  const model = runtimeModels(prisma)?.[r.resource.model];
  const action = r.action as (record: unknown, ctx: { tx: unknown }) => Promise<unknown>;
  await db.query(`UPDATE "Ticket" SET status = 'open'`);
  for (let round = 0; round < 2; round++) {
    for (let id = 1; id <= RECORDS; id++) {
      const measured = round === 1;
      const [, libTotal] = await cpu(() =>
        prisma.$transaction(async (tx: AnyPrismaClient) => {
          const wf = `lib-record-${round}-${id}`;
          const step = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
            const [out, ms] = await cpu(fn);
            if (measured) addRecord(`library: ${label}`, ms);
            return out;
          };
          await step('the row lock', () => tx.$queryRawUnsafe(lockSql(r.resource, model), id));
          await step("the run's commit markers", () => committedKinds(tx, app, wf, 'r'));
          const record = await step("the re-read with the trigger's where (the record the action gets)", () => tx.ticket.findFirst({ where: { AND: [{ id }, { status: 'open' }] } }));
          await step("the action (the bench's: one tx.ticket.update)", () => action(record, { tx }));
          await step('the commit marker', () => markCommitted(tx, app, wf, 'r', 'action', 1));
        }),
      );
      if (measured) addRecord('library: whole attempt (with BEGIN and COMMIT)', libTotal);
      await db.query(`UPDATE "Ticket" SET status = 'open' WHERE id = $1`, [id]);
      const [, expertTotal] = await cpu(() => baseline.markProcessedOnce(id, `expert-record-${round}-${id}`, 'r'));
      if (measured) addRecord('expert-db: whole (lock and re-check in one statement, marker, update, marker)', expertTotal);
      await db.query(`UPDATE "Ticket" SET status = 'open' WHERE id = $1`, [id]);
    }
  }
  say('');
  say(`client CPU per record, median of ${RECORDS} records (ms):`);
  say('| statement | ms |');
  say('|---|---|');
  for (const [label, ms] of perRecord) say(`| ${label} | ${median(ms).toFixed(2)} |`);
  await (prisma as unknown as { $disconnect(): Promise<void> }).$disconnect();
  await db.end();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
