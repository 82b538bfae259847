#!/usr/bin/env node
// Runs one step of .ci/run under a wall-clock limit (plain Node, no dependencies):
//   node scripts/with-deadline.cjs <seconds> <step name> -- <command> [args...]
// The command runs in a process group of its own. Past the limit, that group and every process
// that inherited this step's token (detached helpers included) get SIGTERM, then SIGKILL 30 s
// later, and this exits 124 after saying which step ran over. Otherwise it exits with the
// command's own code. SIGINT / SIGTERM given to this script are passed on to the step.
'use strict';
const { spawn } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');

const [seconds, name, sep, command, ...args] = process.argv.slice(2);
if (!Number(seconds) || !name || sep !== '--' || !command) {
  process.stderr.write('usage: with-deadline.cjs <seconds> <step name> -- <command> [args...]\n');
  process.exit(2);
}

const TOKEN_VAR = 'PTT_CI_STEP_TOKEN';
const token = randomUUID();
const child = spawn(command, args, { stdio: 'inherit', detached: true, env: { ...process.env, [TOKEN_VAR]: token } });

/** Every live process (but this one) whose environment carries this step's token. */
function tokenProcesses() {
  const needle = `${TOKEN_VAR}=${token}`;
  const out = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(needle)) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

function killAll(signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* group gone */
  }
  for (const pid of tokenProcesses()) {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

let overrun = false;
const limit = setTimeout(() => {
  overrun = true;
  process.stderr.write(`\n== step "${name}" is still running at its limit of ${seconds} s (the CI budget): stopping it\n`);
  killAll('SIGTERM');
  setTimeout(() => killAll('SIGKILL'), 30_000).unref();
}, Number(seconds) * 1000);

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => killAll(signal));

child.on('exit', (code, signal) => {
  clearTimeout(limit);
  if (overrun) {
    // Whatever the step left behind goes too.
    killAll('SIGKILL');
    process.exit(124);
  }
  process.exit(code ?? (signal ? 128 : 1));
});
child.on('error', (err) => {
  process.stderr.write(`step "${name}": could not run ${command}: ${err.message}\n`);
  process.exit(127);
});
