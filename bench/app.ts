/** The benchmark's definitions: the same update on `Ticket`, per record, in chunks, and nothing at all (idle). */
import { defineApp, defineResource } from '../src';

export const CHUNK_SIZE = Number(process.env.BENCH_CHUNK_SIZE ?? 500);

const Ticket = defineResource({
  model: 'Ticket',
  triggers: {
    // per record: a function action doing one update (what a user writes)
    process: {
      where: { status: 'open' },
      schedulerCron: false,
      action: async (t: { id: number }, { tx }) => {
        await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', processedAt: new Date() } });
      },
      queue: 'bench-process',
      workflowType: 'Bench.Ticket.process',
      schedulerWorkflowType: 'Bench.Ticket.process.scheduler',
    },
    // the same update, declarative, in chunks: one workflow and one UPDATE per chunk
    bulk: {
      where: { status: 'open' },
      schedulerCron: false,
      chunks: { size: CHUNK_SIZE },
      action: { update: { status: 'processed' } },
      queue: 'bench-bulk',
      workflowType: 'Bench.Ticket.bulk',
      schedulerWorkflowType: 'Bench.Ticket.bulk.scheduler',
    },
    // latency: the action stamps the moment it starts
    stamp: {
      where: { status: 'open' },
      schedulerCron: false,
      action: async (t: { id: number }, { tx }) => {
        const startedAt = new Date();
        await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', processedAt: startedAt } });
      },
      queue: 'bench-stamp',
      workflowType: 'Bench.Ticket.stamp',
      schedulerWorkflowType: 'Bench.Ticket.stamp.scheduler',
    },
    // idle: a trigger no record matches
    idle: {
      where: { status: 'errored', subject: 'never' },
      schedulerCron: false,
      action: { update: { status: 'processed' } },
      queue: 'bench-idle',
      workflowType: 'Bench.Ticket.idle',
      schedulerWorkflowType: 'Bench.Ticket.idle.scheduler',
    },
  },
});

export const app = defineApp({ name: 'bench', resources: [Ticket] });
