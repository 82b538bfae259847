/** CPU time and memory of processes, from Linux's /proc (the benchmark's per-process figures). */
import fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const CLK_TCK = 100;

/** User + system CPU time of a process, in ms (0 when it is gone). */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Resident set size of a process, in bytes (0 when it is gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Peak resident set size of a process over its life (VmHWM: exact, not sampled), in bytes. */
export function hwmBytes(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A process and its descendants (a server started through a watchdog shell is its child). */
export function processTree(pid: number): number[] {
  const out = [pid];
  try {
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(/\s+/) : []) out.push(...processTree(Number(k)));
    }
  } catch {
    /* gone */
  }
  return out;
}

/** CPU ms and RSS bytes of a process tree. */
export function treeCpuMs(pid: number): number {
  return processTree(pid).reduce((a, p) => a + cpuMs(p), 0);
}
export function treeRssBytes(pid: number): number {
  return processTree(pid).reduce((a, p) => a + rssBytes(p), 0);
}

/** CPU ms of each PostgreSQL process now. */
export function postgresCpu(): Map<number, number> {
  return new Map(postgresPids().map((p) => [p, cpuMs(p)]));
}

/** CPU the PostgreSQL processes used between two snapshots (backends that exited in between are not counted). */
export function postgresCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

/** Pids of every PostgreSQL process on the machine (postmaster and backends). */
export function postgresPids(): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') out.push(Number(d));
    } catch {
      /* exited */
    }
  }
  return out;
}

