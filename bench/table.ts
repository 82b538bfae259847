/** The benchmark's table: per variant and tick size, medians with min–max over its rounds. */
import type { Round } from './measure';

const MiB = 2 ** 20;

/** Each row's baseline: the ratio column is this row's median over the baseline's, same tick size. */
export const BASELINE_OF: Record<string, string> = {
  library: 'expert-db',
  'expert-db': 'expert',
  'expert-sa': 'expert-db',
  raw: 'expert',
  'no-children': 'expert',
  chunk: 'graphile-batch',
  'expert-chunk': 'graphile-batch',
  'expert-chunk-db': 'graphile-batch',
  graphile: 'graphile-batch',
  latency: 'latency-raw',
};
/** Rows also shown as a share of the SQL ceiling (same tick size). */
const CEILING_ROWS = new Set(['chunk', 'expert-chunk', 'expert-chunk-db', 'graphile-batch', 'graphile']);
/** Rows also compared, in their note, with hand-written code of the same tool (same tick size). */
const ALSO_VS: Record<string, string[]> = { chunk: ['expert-chunk-db', 'expert-chunk'], 'expert-chunk-db': ['expert-chunk'] };

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const fmt = (v: number | undefined, d = 0): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d }));
const rate = (r: Round): number => r.records / (r.ms / 1000);

/** Summary figures of the rounds of one variant at one tick size. */
export function stats(rs: Round[]) {
  const rates = rs.map(rate);
  const lat = rs.flatMap((r) => r.latencies ?? []);
  const sum = (f: (r: Round) => number): number => rs.reduce((a, r) => a + f(r), 0);
  const records = sum((r) => r.records);
  return {
    rounds: rs.length,
    rate: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    coresBusy: sum((r) => r.serverCpuMs + r.workerCpuMs + r.dbCpuMs) / sum((r) => r.ms),
    server: sum((r) => r.serverCpuMs) / records,
    worker: sum((r) => r.workerCpuMs) / records,
    db: sum((r) => r.dbCpuMs) / records,
    events: rs.every((r) => r.events !== undefined) ? sum((r) => r.events ?? 0) / records : undefined,
    historyBytes: rs.every((r) => r.historyBytes !== undefined) ? sum((r) => r.historyBytes ?? 0) / records : undefined,
    ready: Math.max(...rs.map((r) => r.workerReadyRss)),
    peak: Math.max(...rs.map((r) => r.workerPeakRss)),
    p50: lat.length ? percentile(lat, 50) : undefined,
    p99: lat.length ? percentile(lat, 99) : undefined,
    enqueueShare: rs.every((r) => r.enqueueMs !== undefined) ? sum((r) => r.enqueueMs ?? 0) / sum((r) => r.ms) : undefined,
  };
}

export function summarize(rounds: Round[]): string {
  const groups = new Map<string, Round[]>();
  for (const r of rounds) groups.set(`${r.variant}@${r.size}`, [...(groups.get(`${r.variant}@${r.size}`) ?? []), r]);
  const of = (variant: string | undefined, size: number) => (variant && groups.has(`${variant}@${size}`) ? stats(groups.get(`${variant}@${size}`)!) : undefined);
  const lines = [
    '| variant | tick | rounds | records/s median (min–max) | ratio to baseline | of SQL ceiling | cores busy | CPU ms/rec server / worker / Postgres | history events / bytes per rec | worker RSS ready / peak MiB | p50 / p99 ms | note |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [key, rs] of groups) {
    const [variant, sizeText] = key.split('@') as [string, string];
    const size = Number(sizeText);
    const s = stats(rs);
    const base = of(BASELINE_OF[variant], size);
    const ceiling = CEILING_ROWS.has(variant) ? of('sql-ceiling', size) : undefined;
    const ratio = base ? (s.p50 !== undefined && base.p50 !== undefined ? `${fmt(base.p50 / s.p50, 2)} (p50) vs ${BASELINE_OF[variant]}` : `${fmt(s.rate / base.rate, 2)} vs ${BASELINE_OF[variant]}`) : '-';
    const idle = variant === 'idle';
    const enqueue = s.enqueueShare !== undefined ? `; enqueue ${fmt(s.enqueueShare * 100)}% of the time` : '';
    const also = (ALSO_VS[variant] ?? []).flatMap((v) => {
      const o = of(v, size);
      return o ? [`${fmt(s.rate / o.rate, 2)}× ${v}`] : [];
    });
    lines.push(
      [
        variant,
        fmt(size),
        s.rounds,
        idle ? '-' : `${fmt(s.rate)} (${fmt(s.min)}–${fmt(s.max)})`,
        ratio,
        ceiling ? `${fmt((s.rate / ceiling.rate) * 100)}%` : '-',
        fmt(s.coresBusy, 2),
        `${fmt(s.server, 2)} / ${fmt(s.worker, 2)} / ${fmt(s.db, 2)}`,
        `${fmt(s.events, idle ? 0 : 1)}${s.historyBytes !== undefined ? ` / ${fmt(s.historyBytes)}` : ''}`,
        s.ready ? `${fmt(s.ready / MiB)} / ${fmt(s.peak / MiB)}` : '-',
        s.p50 !== undefined ? `${fmt(s.p50)} / ${fmt(s.p99)}` : '-',
        `${rs[0]?.note ?? ''}${enqueue}${also.length ? `; ${also.join(', ')}` : ''}`,
      ].join(' | ').replace(/^/, '| ').replace(/$/, ' |'),
    );
  }
  return lines.join('\n');
}
