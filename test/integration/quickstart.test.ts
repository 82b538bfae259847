/** The README's quickstart is example/quickstart.ts: it must run and give what the README says. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runQuickstart } from '../../example/quickstart';
import { testContext } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
before(async () => {
  ctx = await testContext('quickstart');
});
after(async () => {
  await ctx?.close();
});

test('the quickstart processes its two tickets and drains with the scheduler and two record runs succeeded', async () => {
  const result = await runQuickstart({ client: ctx.env.client, connection: ctx.env.nativeConnection, prisma: ctx.prisma });
  const zero = { success: 0, failure: 0, discard: 0, cancelled: 0, snoozed: 0 };
  const { runs, ...counts } = result;
  assert.deepEqual(counts, {
    ...zero,
    success: 3,
    notDrained: [],
    byKind: { scheduler: { ...zero, success: 1 }, record: { ...zero, success: 2 }, scheduledAction: zero },
  });
  assert.deepEqual(runs.map((r) => [r.kind, r.name, r.outcome]), [['scheduler', 'Ticket.triage', 'success'], ['record', 'Ticket.triage', 'success'], ['record', 'Ticket.triage', 'success']]);
  assert.equal(await ctx.prisma.ticket.count({ where: { subject: { startsWith: 'quickstart' }, status: 'processed' } }), 2);
});

test('the README shows the quickstart file as it is', () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const source = fs.readFileSync(path.resolve(__dirname, '../../example/quickstart.ts'), 'utf8');
  const body = source.slice(source.indexOf('export const Tickets'), source.indexOf('if (require.main === module)')).trim();
  assert.ok(readme.includes(body), 'README.md quotes example/quickstart.ts (from `export const Tickets` to the end of runQuickstart)');
});
