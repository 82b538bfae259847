/**
 * Logs: boot messages and warnings go to the `logger` option with the component name; each run
 * ends with one structured line (trigger, record, tenant, outcome, with the SDK's workflow id);
 * each tick with a summary line.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { defineApp, defineResource } from '../../src';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, type Engine } from '../helpers/engine';

interface Entry {
  level: LogLevel;
  message: string;
  meta: LogMetadata;
}
class CapturingLogger implements Logger {
  entries: Entry[] = [];
  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    this.entries.push({ level, message, meta });
  }
  trace = (m: string, meta?: LogMetadata): void => this.log('TRACE', m, meta);
  debug = (m: string, meta?: LogMetadata): void => this.log('DEBUG', m, meta);
  info = (m: string, meta?: LogMetadata): void => this.log('INFO', m, meta);
  warn = (m: string, meta?: LogMetadata): void => this.log('WARN', m, meta);
  error = (m: string, meta?: LogMetadata): void => this.log('ERROR', m, meta);
}
// the SDK's own logger (workflow and activity lines) for this process, before any connection
const runtimeLog = new CapturingLogger();
Runtime.install({ logger: runtimeLog });

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('obs');
const bootLog = new CapturingLogger();
const Ticket = defineResource({
  model: 'Ticket',
  triggers: {
    process: { where: { subject: { startsWith: tag } }, schedulerCron: false, queue: `${tag}-q`, action: { update: { status: 'processed' } }, workflowType: `${tag}.process`, schedulerWorkflowType: `${tag}.process.scheduler` },
    // no explicit stable names on purpose (never run): boot warns about it
    obsUnnamed: { schedulerCron: false, queue: `${tag}-q`, action: { delete: true } },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });

before(async () => {
  ctx = await testContext('observability');
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: true, warn: undefined, logger: bootLog });
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

test('boot messages and warnings go to the logger option, tagged with the component', () => {
  const warning = bootLog.entries.find((e) => e.level === 'WARN' && /Ticket\.obsUnnamed/.test(e.message) && /workflowType/.test(e.message));
  assert.ok(warning, `a warning about the missing stable names: ${JSON.stringify(bootLog.entries)}`);
  assert.equal(warning.meta.component, 'prisma-temporal-triggers');
  assert.ok(bootLog.entries.some((e) => e.level === 'INFO' && new RegExp(`^${tag}: schedules 0 created`).test(e.message)), 'a boot summary line');
});

test('each run ends with one structured line; each tick with a summary', async () => {
  const tickets = await Promise.all([1, 2].map((i) => ctx.prisma.ticket.create({ data: { subject: `${tag} ${i}` } })));
  const r = await engine.triggers.scheduleAndRunTriggers('Ticket.process', { drain: true });
  assert.equal(r.byKind.record.success, 2);
  const lines = await eventually('both run lines to be logged', async () => {
    const found = runtimeLog.entries.filter((e) => e.meta.trigger === 'Ticket.process' && e.meta.outcome === 'success' && String(e.meta.workflowId ?? '').startsWith(`${tag}.process/`));
    return found.length >= 2 ? found : undefined;
  });
  assert.deepEqual(lines.map((e) => String(e.meta.record)).sort(), tickets.map((t) => String(t.id)).sort());
  for (const e of lines) {
    assert.equal(e.level, 'INFO');
    assert.match(e.message, /^Ticket\.process record \d+: success$/);
    assert.equal(e.meta.tenant, undefined, 'no tenant: no tenant attribute');
    assert.ok(e.meta.runId && e.meta.workflowType === `${tag}.process`, 'the SDK adds the run\'s identity');
  }
  assert.ok(runtimeLog.entries.some((e) => /^Scheduled 2 runs for Ticket\.process/.test(e.message)), 'the tick summary');
});
