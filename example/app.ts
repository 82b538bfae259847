/**
 * The example application's definitions (what `npm start` runs): a helpdesk for two tenant
 * organisations (acme, globex).
 *
 * - `Ticket.process`: one run per open ticket, acting for a staff member (actors), started right
 *   after a ticket is written (run after write, see main.ts) and by its scheduler for the rest.
 * - `Subscription.expire`: time-relative, once per tenant per tick, in chunks of 50 records
 *   (one workflow and one transaction per chunk).
 * - `Ticket.intake` and `DailyReport.generate`: scheduled actions.
 */
import { defineApp, defineResource, type ActorPersister } from '../src';
import type { Prisma, PrismaClient, Subscription, Ticket as TicketRow } from './prisma-client';

type Tx = Prisma.TransactionClient;

/** Who runs act for. A real app would look staff up in its own table. */
export interface Staff {
  id: string;
  name: string;
}
const staff: Record<string, Staff> = {
  'triage-bot': { id: 'triage-bot', name: 'Triage bot' },
  'intake-bot': { id: 'intake-bot', name: 'Intake bot' },
  'ops-bot': { id: 'ops-bot', name: 'Ops bot' },
};
/** Only `{ id }` is stored in a run's input and history; the worker looks the actor up per attempt. */
export const staffPersister: ActorPersister<Staff> = {
  store: (actor) => ({ id: actor.id }),
  lookup: (stored) => (stored && typeof stored === 'object' && 'id' in stored ? (staff[String(stored.id)] ?? null) : null),
};

export const Ticket = defineResource<TicketRow, Tx, PrismaClient>({
  model: 'Ticket',
  triggers: {
    process: {
      where: { status: 'open' },
      sort: [{ priority: 'desc' }],
      maxAttempts: 3,
      backoff: 5,
      defaultActor: staff['triage-bot'],
      tags: ['helpdesk'],
      action: async (ticket, { tx, attempt, actor }) => {
        // Simulated work: subjects containing "flaky" fail their first attempt, "broken" always fail.
        if (ticket.subject.includes('broken') || (ticket.subject.includes('flaky') && attempt === 1)) {
          throw new Error(`could not process "${ticket.subject}" (attempt ${attempt})`);
        }
        const by = (actor as Staff | null)?.name ?? 'nobody';
        await tx.ticket.update({ where: { id: ticket.id }, data: { status: 'processed', processedAt: new Date(), attempts: attempt, body: `${ticket.body}\nprocessed by ${by}`.trim() } });
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
      defaultActor: staff['intake-bot'],
      // `prisma` is the worker's client, extended with runAfterWrite in main.ts: each created
      // ticket's Ticket.process run starts at once, acting for this action's actor.
      action: async ({ prisma }) => {
        const n = Date.now() % 1000;
        await prisma.ticket.createManyAndReturn({
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
  // one query per organisation per tick; each run carries its tenant (TriggerTenant in the UI)
  listTenants: async ({ prisma }) => ((await (prisma as PrismaClient).organisation.findMany({ select: { id: true }, orderBy: { id: 'asc' } })) as { id: string }[]).map((o) => o.id),
  triggers: {
    expire: {
      // time-relative: evaluated with the scheduler tick's time, within the tick's tenant
      where: ({ now, tenant }) => ({ organisationId: String(tenant), active: true, expiresAt: { lt: now } }),
      schedulerCron: '*/2 * * * *',
      defaultActor: staff['ops-bot'],
      chunks: { size: 50 },
      // one transaction for the chunk's records that still match
      chunkAction: async (subs, { tx }) => {
        await tx.subscription.updateMany({ where: { OR: subs.map((s) => ({ organisationId: s.organisationId, id: s.id })), active: true }, data: { active: false, expiredAt: new Date() } });
      },
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

export const app = defineApp({ name: 'example-helpdesk', actorPersister: staffPersister, resources: [Ticket, SubscriptionResource, DailyReport] });
export default app;

/** Seeds a few records on an empty database so the first ticks have work to do. */
export async function seed(prisma: PrismaClient): Promise<void> {
  if ((await prisma.organisation.count()) > 0) return;
  await prisma.organisation.createMany({ data: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }] });
  const soon = (minutes: number): Date => new Date(Date.now() + minutes * 60_000);
  // 120 subscriptions per organisation, 80 of them already expired: the first expire tick runs two
  // chunks per tenant (50 + 30); the other 40 expire over the next minutes.
  await prisma.subscription.createMany({
    data: ['acme', 'globex'].flatMap((organisationId) =>
      Array.from({ length: 120 }, (_, i) => ({ organisationId, id: i + 1, plan: i % 2 ? 'pro' : 'team', expiresAt: soon(i % 3 === 2 ? 2 + (i % 7) : -10) })),
    ),
  });
  await prisma.ticket.createMany({
    data: [
      { subject: 'Welcome ticket', priority: 2 },
      { subject: 'flaky sync', priority: 4 },
      { subject: 'broken monitor', priority: 1 },
    ],
  });
}
