/**
 * The fast fault cases (test/faults/cases.ts) at test size: a worker killed between commit and
 * completion, a poison record, workers killed mid-action, PostgreSQL stopped mid-scan, two workers
 * under CPU load. Every record committed exactly once. `npm run faults` runs them all at full size.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { faultCases } from '../faults/cases';
import type { FaultEnv } from '../faults/harness';
import { testContext } from '../helpers/engine';
import { testEnv } from '../helpers/env';

let ctx: Awaited<ReturnType<typeof testContext>>;
let f: FaultEnv;
before(async () => {
  ctx = await testContext('faults');
  f = { env: ctx.env, temporalAddress: testEnv.temporalAddress, databaseUrl: ctx.db.url, prisma: ctx.prisma, log: () => {} };
});
after(async () => {
  await ctx?.close();
});

for (const c of faultCases('test').filter((x) => x.fast)) {
  test(c.name, async () => {
    const fig = await c.run(f);
    process.stdout.write(`# ${fig.case}: ${fig.records} records, ${fig.faults} faults, ${fig.lost} lost, ${fig.duplicated} duplicated, recovered in ${fig.recoverSeconds} s${fig.note ? ` (${fig.note})` : ''}\n`);
    assert.ok(fig.records > 0);
    assert.equal(fig.lost, 0, 'no record lost');
    assert.equal(fig.duplicated, 0, 'no record committed twice');
    if (c.expectNote) assert.match(fig.note ?? '', c.expectNote);
  });
}
