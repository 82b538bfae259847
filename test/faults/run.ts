/**
 * `npm run faults`: every fault case at full size, against a throw-away Temporal server and a
 * fresh database on the test Postgres (TEST_DATABASE_URL, default 127.0.0.1:5432; the PostgreSQL
 * case starts a private cluster of its own). Prints each case's figures and a table; exits 1 when
 * any record was lost or committed twice, or a case failed. `npm run faults -- <text>` runs the
^ * cases whose name contains the text; `-- --small` runs them at a smaller size.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createPrismaClient } from '../../example/prisma-client';
import { migrate } from '../../src/db/migrate';
import { freePortBlock } from '../../src/devstack/ports';
import { startTemporalStack } from '../../src/devstack/temporal-server';
import { withDatabase } from '../helpers/db';
import { faultCases, formatFigures } from './cases';
import type { Figures } from './harness';

const say = (line: string): void => void process.stdout.write(`[faults] ${line}\n`);

async function main(): Promise<number> {
  const small = process.argv.includes('--small');
  const filter = process.argv.slice(2).filter((a) => a !== '--small').join(' ');
  const cases = faultCases(small ? 'small' : 'full').filter((c) => !filter || c.name.includes(filter));
  const port = await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294]);
  const stack = await startTemporalStack({ port, ui: false, persistent: false, dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-faults-')) });
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const dbName = `ptt_faults_${process.pid}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const databaseUrl = withDatabase(adminUrl, dbName);
  await migrate(databaseUrl, path.resolve(__dirname, '../../prisma/migrations'));
  const prisma = createPrismaClient(databaseUrl);
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address: stack.address });
  const rows: Figures[] = [];
  let failed = 0;
  try {
    for (const c of cases) {
      say(`${c.name} ...`);
      const started = Date.now();
      try {
        const fig = await c.run({ env, temporalAddress: stack.address, databaseUrl, prisma, log: say });
        rows.push(fig);
        say(`${c.name}: ${fig.records} records, ${fig.faults} faults, ${fig.lost} lost, ${fig.duplicated} duplicated${fig.misreported !== undefined ? `, ${fig.misreported} misreported` : ''}, recovered in ${fig.recoverSeconds} s; proof: ${fig.proof}${fig.note ? ` (${fig.note})` : ''} [${Math.round((Date.now() - started) / 1000)} s]`);
        const wrong = [
          fig.records === 0 && 'no records',
          fig.lost && `${fig.lost} lost`,
          fig.duplicated && `${fig.duplicated} committed twice`,
          fig.misreported && `${fig.misreported} committed but not reported as success`,
          c.expectNote && !c.expectNote.test(fig.note ?? '') && `note does not match ${c.expectNote}`,
          c.expectProof && !c.expectProof.test(fig.proof) && `the fault did not land: ${fig.proof}`,
        ].filter(Boolean);
        if (wrong.length) {
          failed++;
          say(`${c.name}: FAILED: ${wrong.join('; ')}`);
        }
      } catch (err) {
        failed++;
        say(`${c.name}: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
  } finally {
    await prisma.$disconnect();
    await env.teardown();
    await stack.stop();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
  process.stdout.write(`\n${formatFigures(rows)}\n\n${rows.length - (failed - (cases.length - rows.length))} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.stdout.write('0 passed, 1 failed\n');
    process.exit(1);
  },
);
