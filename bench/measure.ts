/** One measured round: wall time, CPU of each process from /proc, the worker's exact peak memory. */
import { postgresCpu, postgresCpuDelta, treeCpuMs, hwmBytes } from './proc';
import type { Env } from './stack';

export interface Round {
  variant: string;
  /** Records in the tick (or calls, for latency). */
  size: number;
  records: number;
  ms: number;
  serverCpuMs: number;
  workerCpuMs: number;
  dbCpuMs: number;
  events?: number;
  /** Encoded bytes of those histories (the scheduler's runs, and the mean child's times the children). */
  historyBytes?: number;
  maxEventsPerRun?: number;
  workerReadyRss: number;
  /** VmHWM of the round's worker process: its true peak, not a sample. */
  workerPeakRss: number;
  latencies?: number[];
  /** Of `ms`, the time spent enqueueing (graphile rows). */
  enqueueMs?: number;
  note?: string;
}

/** Runs `work` and measures it. */
export async function measure(e: Env, variant: string, records: number, work: () => Promise<Partial<Round>>): Promise<Round> {
  const [s0, w0, d0] = [treeCpuMs(e.serverPid), treeCpuMs(e.workerPid), postgresCpu()];
  const t0 = performance.now();
  const extra = await work();
  const ms = performance.now() - t0;
  const [s1, w1, d1] = [treeCpuMs(e.serverPid), treeCpuMs(e.workerPid), postgresCpu()];
  return {
    variant,
    size: records,
    records,
    ms,
    serverCpuMs: s1 - s0,
    workerCpuMs: w1 - w0,
    dbCpuMs: postgresCpuDelta(d0, d1),
    workerReadyRss: e.workerReadyRss,
    workerPeakRss: hwmBytes(e.workerPid),
    ...extra,
  };
}
