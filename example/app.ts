/**
 * The example application's definitions (what `npm start` runs): a helpdesk whose tickets are
 * processed by a trigger, subscriptions that expire by a time-relative trigger, and scheduled
 * actions that take in new tickets and write a daily report.
 */
import { defineApp, defineResource } from '../src';
import type { Prisma, PrismaClient, Subscription, Ticket as TicketRow } from './prisma-client';

type Tx = Prisma.TransactionClient;

export const Ticket = defineResource<TicketRow, Tx, PrismaClient>({
  model: 'Ticket',
  triggers: {
    process: {
      where: { status: 'open' },
      sort: [{ priority: 'desc' }],
      maxAttempts: 3,
      backoff: 5,
      action: async (ticket, { tx, attempt }) => {
        // Simulated work: subjects containing "flaky" fail their first attempt, "broken" always fail.
        if (ticket.subject.includes('broken') || (ticket.subject.includes('flaky') && attempt === 1)) {
          throw new Error(`could not process "${ticket.subject}" (attempt ${attempt})`);
        }
        await tx.ticket.update({ where: { id: ticket.id }, data: { status: 'processed', processedAt: new Date(), attempts: attempt } });
      },
      onError: async (ticket, { tx, error, attempt }) => {
        await tx.ticket.update({ where: { id: ticket.id }, data: { status: 'errored', erroredAt: new Date(), lastError: error.message, attempts: attempt } });
      },
      workflowType: 'Ticket.process',
      schedulerWorkflowType: 'Ticket.process.scheduler',
    },
  },
  scheduledActions: {
    intake: {
      cron: '* * * * *',
      action: async ({ prisma }) => {
        const n = Date.now() % 1000;
        await prisma.ticket.createMany({
          data: [
            { subject: `Printer on fire #${n}`, priority: 5 },
            { subject: `flaky VPN #${n}`, priority: 3 },
            { subject: `broken laptop #${n}`, priority: 1 },
          ],
        });
      },
      workflowType: 'Ticket.intake',
    },
  },
});

export const SubscriptionResource = defineResource<Subscription, Tx>({
  model: 'Subscription',
  primaryKey: ['organisationId', 'id'],
  triggers: {
    expire: {
      // time-relative: evaluated with the scheduler tick's time
      where: ({ now }) => ({ active: true, expiresAt: { lt: now } }),
      schedulerCron: '*/2 * * * *',
      action: { update: () => ({ active: false, expiredAt: new Date() }) },
      workflowType: 'Subscription.expire',
      schedulerWorkflowType: 'Subscription.expire.scheduler',
    },
  },
});

export const DailyReport = defineResource({
  model: 'DailyReport',
  scheduledActions: {
    generate: {
      cron: '0 0 * * *',
      maxAttempts: 3,
      action: async ({ prisma, scheduledAt }) => {
        const db = prisma as PrismaClient;
        const day = new Date(Date.UTC(scheduledAt.getUTCFullYear(), scheduledAt.getUTCMonth(), scheduledAt.getUTCDate()));
        const [openTickets, processedTickets, erroredTickets] = await Promise.all([
          db.ticket.count({ where: { status: 'open' } }),
          db.ticket.count({ where: { status: 'processed' } }),
          db.ticket.count({ where: { status: 'errored' } }),
        ]);
        await db.dailyReport.upsert({ where: { day }, create: { day, openTickets, processedTickets, erroredTickets }, update: { openTickets, processedTickets, erroredTickets } });
      },
      workflowType: 'DailyReport.generate',
    },
  },
});

export const app = defineApp({ name: 'example-helpdesk', resources: [Ticket, SubscriptionResource, DailyReport] });
export default app;

/** Seeds a few records on an empty database so the first ticks have work to do. */
export async function seed(prisma: PrismaClient): Promise<void> {
  if ((await prisma.organisation.count()) > 0) return;
  await prisma.organisation.createMany({ data: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }] });
  const soon = (minutes: number): Date => new Date(Date.now() + minutes * 60_000);
  await prisma.subscription.createMany({
    data: [
      { organisationId: 'acme', id: 1, plan: 'pro', expiresAt: soon(-10) },
      { organisationId: 'acme', id: 2, plan: 'team', expiresAt: soon(3) },
      { organisationId: 'globex', id: 1, plan: 'pro', expiresAt: soon(6) },
    ],
  });
  await prisma.ticket.createMany({
    data: [
      { subject: 'Welcome ticket', priority: 2 },
      { subject: 'flaky sync', priority: 4 },
      { subject: 'broken monitor', priority: 1 },
    ],
  });
}
