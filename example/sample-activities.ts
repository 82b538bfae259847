import type { PrismaClient } from './prisma-client';

export function createSampleActivities(prisma: PrismaClient) {
  return {
    async recordSampleRun(message: string): Promise<{ id: number; total: number }> {
      const row = await prisma.sampleRun.create({ data: { message } });
      const total = await prisma.sampleRun.count();
      return { id: row.id, total };
    },
  };
}

export type SampleActivities = ReturnType<typeof createSampleActivities>;
