/**
 * Cron strings exactly as Temporal Schedules accept them, checked when a definition is written
 * (so a bad cron fails at `defineResource`, not at worker boot), plus the next fire time for logs.
 *
 * Grammar (Temporal's): optional `TZ=<zone> ` or `CRON_TZ=<zone> ` prefix; optional `# comment`;
 * `@every <duration>[/<phase>]`; `@yearly @annually @monthly @weekly @daily @midnight @hourly`;
 * or 5 fields (minute hour day-of-month month day-of-week), 6 (… year) or 7 (second … year).
 * Each field is a comma list of `*`, `n`, `n-m`, with an optional `/step`; months and weekdays
 * may be names (`jan`, `mon`); day-of-week 7 is Sunday. All fields must match (Temporal ANDs
 * day-of-month and day-of-week).
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Shortest name prefix accepted. */
  minNameLength?: number;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'] as const;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTHS, minNameLength: 3 };
const DAY_OF_WEEK: FieldSpec = { name: 'day-of-week', min: 0, max: 7, names: WEEKDAYS, minNameLength: 2 };
const YEAR: FieldSpec = { name: 'year', min: 2000, max: 2100 };

const PREDEFINED: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface CalendarCron {
  kind: 'calendar';
  second: Set<number>;
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
  /** undefined = every year */
  year: Set<number> | undefined;
  timezone: string | undefined;
}

export interface IntervalCron {
  kind: 'interval';
  everyMs: number;
  phaseMs: number;
}

export class CronSyntaxError extends Error {}

function parseValue(raw: string, f: FieldSpec): number {
  const s = raw.toLowerCase();
  if (f.names && s.length >= (f.minNameLength ?? 3) && /^[a-z]+$/.test(s)) {
    const i = f.names.findIndex((n) => n.startsWith(s));
    if (i >= 0) return f === MONTH ? i + 1 : i;
  }
  if (!/^\d+$/.test(s)) throw new CronSyntaxError(`${f.name}: "${raw}" is not a number${f.names ? ' or a name' : ''}`);
  const n = Number(s);
  if (n < f.min || n > f.max) throw new CronSyntaxError(`${f.name}: ${n} is not in range ${f.min}-${f.max}`);
  return n;
}

function parseField(text: string, f: FieldSpec): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const slash = part.split('/');
    if (slash.length > 2) throw new CronSyntaxError(`${f.name}: "${part}" has too many slashes`);
    let step = 1;
    const hasStep = slash.length === 2;
    if (hasStep) {
      if (!/^\d+$/.test(slash[1]!) || Number(slash[1]) < 1) throw new CronSyntaxError(`${f.name}: "${part}" needs a positive step after /`);
      step = Number(slash[1]);
    }
    const body = slash[0]!;
    let start = f.min;
    let end = f.max;
    if (body !== '*') {
      const dash = body.split('-');
      if (dash.length > 2) throw new CronSyntaxError(`${f.name}: "${part}" has too many dashes`);
      start = parseValue(dash[0]!, f);
      if (dash.length === 2) {
        end = parseValue(dash[1]!, f);
        if (end < start) throw new CronSyntaxError(`${f.name}: "${part}" ends before it starts`);
      } else if (!hasStep) end = start;
    }
    for (let v = start; v <= end; v += step) out.add(f === DAY_OF_WEEK && v === 7 ? 0 : v);
  }
  return out;
}

/** Go-style durations as Temporal reads them (`90s`, `1h30m`, `2d`, `1.5h`). */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/y;
  if (!text) throw new CronSyntaxError('missing duration');
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new CronSyntaxError(`invalid duration "${text}" (use e.g. 30s, 5m, 1h30m, 2d)`);
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  return total;
}

/** Parses a cron string as Temporal does; throws CronSyntaxError naming the problem. */
export function parseCron(input: string, timezone?: string): CalendarCron | IntervalCron {
  let c = input.trim();
  let tz = timezone;
  const tzMatch = /^(?:CRON_TZ|TZ)=(\S*)(?:\s+|$)/.exec(c);
  if (tzMatch) {
    if (c.length === tzMatch[0].length) throw new CronSyntaxError('time zone prefix without cron fields');
    if (timezone) throw new CronSyntaxError('give the time zone either as a TZ=/CRON_TZ= prefix or as the timezone option, not both');
    tz = tzMatch[1];
    c = c.slice(tzMatch[0].length);
  }
  c = c.split('#')[0]!.trim();
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      throw new CronSyntaxError(`unknown time zone "${tz}" (use an IANA name such as Europe/Paris)`);
    }
  }
  if (c.startsWith('@every')) {
    const m = /^@every\s+(\S+)$/.exec(c);
    if (!m) throw new CronSyntaxError('@every needs a duration, e.g. "@every 5m"');
    const [every, phase] = m[1]!.split('/');
    const everyMs = parseGoDuration(every!);
    if (everyMs <= 0) throw new CronSyntaxError('@every needs a positive duration');
    return { kind: 'interval', everyMs, phaseMs: phase === undefined ? 0 : parseGoDuration(phase) };
  }
  c = PREDEFINED[c] ?? c;
  if (c.startsWith('@')) throw new CronSyntaxError(`unknown shorthand "${c}" (known: @every <duration>, ${Object.keys(PREDEFINED).join(', ')})`);
  const t = c.split(/\s+/).filter(Boolean);
  if (t.length < 5 || t.length > 7) throw new CronSyntaxError(`expected 5 to 7 fields, got ${t.length}`);
  const [sec, rest] = t.length === 7 ? [t[0]!, t.slice(1)] : ['0', t];
  return {
    kind: 'calendar',
    second: parseField(sec, SECOND),
    minute: parseField(rest[0]!, MINUTE),
    hour: parseField(rest[1]!, HOUR),
    dayOfMonth: parseField(rest[2]!, DAY_OF_MONTH),
    month: parseField(rest[3]!, MONTH),
    dayOfWeek: parseField(rest[4]!, DAY_OF_WEEK),
    year: rest[5] === undefined || rest[5] === '*' ? undefined : parseField(rest[5], YEAR),
    timezone: tz,
  };
}

/** Offset (ms) of `tz` from UTC at instant `t`. */
function tzOffset(t: number, tz: string | undefined): number {
  if (!tz || tz === 'UTC') return 0;
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(t));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(t / 1000) * 1000;
}

/** The first fire time strictly after `from` (undefined if none before 2101). */
export function nextCronTime(cron: CalendarCron | IntervalCron, from: Date = new Date()): Date | undefined {
  const now = from.getTime();
  if (cron.kind === 'interval') {
    const k = Math.floor((now - cron.phaseMs) / cron.everyMs) + 1;
    return new Date(k * cron.everyMs + cron.phaseMs);
  }
  const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);
  const hours = sorted(cron.hour);
  const minutes = sorted(cron.minute);
  const seconds = sorted(cron.second);
  // Walk wall-clock days in the schedule's zone.
  const startWall = new Date(now + tzOffset(now, cron.timezone));
  let day = Date.UTC(startWall.getUTCFullYear(), startWall.getUTCMonth(), startWall.getUTCDate());
  const end = Date.UTC(2101, 0, 1);
  while (day < end) {
    const d = new Date(day);
    if (cron.year && !cron.year.has(d.getUTCFullYear())) {
      day = Date.UTC(d.getUTCFullYear() + 1, 0, 1);
      continue;
    }
    if (!cron.month.has(d.getUTCMonth() + 1)) {
      day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      continue;
    }
    const thisDay = day;
    day += 86_400_000;
    if (!cron.dayOfMonth.has(d.getUTCDate()) || !cron.dayOfWeek.has(d.getUTCDay())) continue;
    for (const h of hours)
      for (const m of minutes)
        for (const s of seconds) {
          const wall = thisDay + ((h * 60 + m) * 60 + s) * 1000;
          const utc = wall - tzOffset(wall - tzOffset(wall, cron.timezone), cron.timezone);
          if (utc > now) return new Date(utc);
        }
  }
  return undefined;
}
