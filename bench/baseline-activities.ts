import type { PrismaClient } from '../example/prisma-client';

export function createBaselineActivities(prisma: PrismaClient) {
  return {
    async pageIds(afterId: number, take: number): Promise<number[]> {
      const rows = await prisma.ticket.findMany({ where: { status: 'open', id: { gt: afterId } }, orderBy: { id: 'asc' }, take, select: { id: true } });
      return rows.map((r) => r.id);
    },
    async markProcessed(id: number): Promise<void> {
      await prisma.ticket.update({ where: { id }, data: { status: 'processed', processedAt: new Date() } });
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
