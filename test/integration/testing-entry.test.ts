import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runQuickstart } from '../../example/quickstart';
import { createLocalTestEnvironment } from '../../src/testing';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createPrismaClient, type PrismaClient } from '../../example/prisma-client';

let db: TestDatabase;
let prisma: PrismaClient;
before(async () => {
  db = await createTestDatabase('testing_entry');
  prisma = createPrismaClient(db.url);
});
after(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

test('createLocalTestEnvironment gives a TestWorkflowEnvironment on a fresh local server, and stops it', async () => {
  const local = await createLocalTestEnvironment();
  try {
    assert.equal(local.env.supportsTimeSkipping, false);
    const result = await runQuickstart({ client: local.env.client, connection: local.env.nativeConnection, prisma });
    assert.equal(result.byKind.record.success, 2);
    assert.equal(result.success, 3, 'the scheduler run is counted too');
  } finally {
    await local.stop();
  }
});
