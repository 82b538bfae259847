#!/usr/bin/env -S npx tsx
/**
 * Command line: `npm run cli -- <command>` (or `npx tsx src/cli.ts <command>`).
 * Run with no command for the list.
 */
import path from 'node:path';
import { migrate } from './db/migrate';
import { startDevStack } from './devstack/dev-stack';
import { ensureTemporalBinaries } from './devstack/temporal-binaries';
import { startTemporalStack } from './devstack/temporal-server';
import { TriggerError } from './errors';

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** Resolves when the user presses Ctrl-C or the process gets SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

const commands: Record<string, { help: string; run: (args: string[]) => Promise<void> }> = {
  'db:migrate': {
    help: 'apply prisma/migrations to DATABASE_URL (offline; recorded in _prisma_migrations like Prisma)',
    async run(args) {
      const url = process.env.DATABASE_URL;
      if (!url) throw new TriggerError('CONFIG_INVALID', 'db:migrate needs DATABASE_URL (npm start migrates the embedded database by itself).');
      const dir = path.resolve(args[0] ?? path.join('prisma', 'migrations'));
      const r = await migrate(url, dir, { log: say });
      say(`${r.applied.length} applied, ${r.alreadyApplied.length} already applied`);
    },
  },
  'temporal:build': {
    help: 'build (once) the stock Temporal server and UI from Go modules into .tools/temporal',
    async run() {
      const b = await ensureTemporalBinaries({ log: say });
      say(b.kind === 'cli' ? `using the temporal CLI at ${b.cli}` : `server: ${b.server}\nui: ${b.ui}`);
    },
  },
  'temporal:start': {
    help: 'run Temporal server + UI (SQLite under .data/temporal) until Ctrl-C',
    async run() {
      const stack = await startTemporalStack({ persistent: true });
      say(`Temporal ready at ${stack.address} (${stack.mode}) in ${stack.readyMs} ms; UI ${stack.uiUrl ?? 'off'}. Ctrl-C stops it.`);
      await untilSignal();
      await stack.stop();
    },
  },
  'dev:stack': {
    help: 'run Temporal + UI + database (DATABASE_URL or embedded PGlite) + migrations until Ctrl-C',
    async run() {
      const stack = await startDevStack();
      say(`DATABASE_URL=${stack.databaseUrl}\nTEMPORAL_ADDRESS=${stack.temporal.address}\nCtrl-C stops everything.`);
      await untilSignal();
      await stack.stop();
    },
  },
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const cmd = name ? commands[name] : undefined;
  if (!cmd) {
    say(`usage: npm run cli -- <command>\n\n${Object.entries(commands).map(([k, v]) => `  ${k.padEnd(18)} ${v.help}`).join('\n')}`);
    if (name) throw new TriggerError('CONFIG_INVALID', `unknown command "${name}"`);
    return;
  }
  await cmd.run(rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      say(err instanceof TriggerError ? `error [${err.code}]: ${err.message}` : String(err instanceof Error ? err.stack : err));
      process.exit(1);
    },
  );
}
