/**
 * Spawns long-running helper processes (Temporal server, UI) that never outlive this process:
 * - `stop()` terminates the whole process group (SIGTERM, then SIGKILL after a grace period);
 * - on normal exit, Ctrl-C or SIGTERM the registered exit hook kills every live child;
 * - if this process dies without running hooks (SIGKILL, crash), a tiny shell watchdog that wraps
 *   each child notices within a second and terminates it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

const WATCHDOG = `
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM INT HUP
while kill -0 "$PTT_PARENT_PID" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
kill -TERM "$child" 2>/dev/null
wait "$child"
`;

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last lines of output, for error messages. */
  tail(): string;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', () => {
    for (const c of live) killGroup(c, 'SIGKILL');
  });
}

/** Spawns `command args` in its own process group, wrapped by the parent-death watchdog. */
export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile?: string } = {},
): ManagedProcess {
  installExitHooks();
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'ptt-watchdog', command, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PTT_PARENT_PID: String(process.pid) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const lines: string[] = [];
  const log = options.logFile ? fs.createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const onData = (buf: Buffer): void => {
    log?.write(buf);
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      log?.end();
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      lines.push(String(err));
      live.delete(child);
      resolve({ code: -1, signal: null });
    });
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  const pid = child.pid;
  return {
    name,
    pid: child.pid,
    exited,
    tail: () => lines.join('\n'),
    async stop(graceMs = 5000) {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // The watchdog shell has exited, but the group may still hold the wrapped process (one that
      // ignored SIGTERM, say): SIGKILL whatever is left of it.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* the group is gone */
      }
    },
  };
}

/** Number of helper processes still running (for leak checks in tests). */
export function liveProcessCount(): number {
  return live.size;
}
