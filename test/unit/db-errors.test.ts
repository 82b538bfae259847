import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isInfrastructureError, unreachableAddress, withoutCodeFrame } from '../../src/prisma/db-errors';

/** Shapes seen from Prisma 7 + @prisma/adapter-pg and pg against a stopped, killed or restarted Postgres. */
const seen = {
  unreachable: Object.assign(new Error("Can't reach database server at 127.0.0.1:29976"), {
    code: 'P1001',
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 29976 } } },
  }),
  crashed: Object.assign(new Error('Invalid `prisma.ticket.findMany()` invocation'), {
    code: 'P2039',
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode: '57P01', kind: 'postgres', code: '57P01', message: 'terminating connection due to unexpected postmaster exit' } } },
  }),
  refused: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 5433 }),
  terminated: new Error('Connection terminated unexpectedly'),
  poolTimeout: Object.assign(new Error('Timed out fetching a new connection from the connection pool.'), { code: 'P2024' }),
};

test('connection problems are infrastructure errors, whatever layer reports them', () => {
  for (const [name, err] of Object.entries(seen)) assert.equal(isInfrastructureError(err), true, name);
  assert.equal(isInfrastructureError(new Error('wrapped', { cause: seen.refused })), true, 'found in the cause chain');
});

test('errors of the query or the action are not', () => {
  const validation = Object.assign(new Error('Unknown argument `nope`'), { name: 'PrismaClientValidationError' });
  const unique = Object.assign(new Error('Unique constraint failed'), { code: 'P2002' });
  const notFound = Object.assign(new Error('Record to update not found'), { code: 'P2025' });
  const syntax = Object.assign(new Error('bad'), { code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '42601', kind: 'postgres' } } } });
  for (const err of [validation, unique, notFound, syntax, new Error('where exploded'), 'a string', null, undefined]) assert.equal(isInfrastructureError(err), false, String(err));
});

test('the unreachable address is taken from the error, never credentials', () => {
  assert.equal(unreachableAddress(seen.unreachable), '127.0.0.1:29976');
  assert.equal(unreachableAddress(seen.refused), '127.0.0.1:5433');
  assert.equal(unreachableAddress(new Error('x')), undefined);
});

test("withoutCodeFrame: Prisma's message without the library's own source lines, keeping what was wrong", () => {
  const message =
    '\nInvalid `db[t.resource.delegate].findMany()` invocation in\n/app/node_modules/prisma-temporal-triggers/dist/activities/find-records.js:85:32\n\n  82 const conditions = [where ?? {}];\n  83 if (input.cursor)\n→ 85 db[t.resource.delegate].findMany({\n      where: {\n        nosuchfield: 1,\n        ~~~~~~~~~~~\n    ?   id?: IntFilter | Int\n      }\n    })\n\nUnknown argument `nosuchfield`. Available options are marked with ?.';
  const clean = withoutCodeFrame(message);
  assert.equal(clean, 'Unknown argument `nosuchfield`.');
  assert.ok(!clean.includes('find-records'));
  assert.equal(withoutCodeFrame('plain message\n\nwith blocks'), 'plain message\n\nwith blocks', 'other messages unchanged');
});
