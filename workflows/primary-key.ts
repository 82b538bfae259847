/**
 * Primary keys as they travel through Temporal (JSON): values tagged so BigInt, Date and Decimal
 * survive, plus the deterministic record id and per-record workflow id. Pure: used by workflows,
 * activities and clients alike.
 */

export type EncodedValue = string | number | boolean | { $bigint: string } | { $date: string } | { $decimal: string };
export type EncodedKey = Record<string, EncodedValue>;

export function encodeValue(v: unknown): EncodedValue {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v instanceof Date) return { $date: v.toISOString() };
  if (v !== null && typeof v === 'object' && typeof (v as { toFixed?: unknown }).toFixed === 'function' && (v as object).constructor?.name === 'Decimal') {
    return { $decimal: String(v) };
  }
  throw new TypeError(`cannot use ${v === null ? 'null' : typeof v} as a primary key value`);
}

export function decodeValue(v: EncodedValue): unknown {
  if (typeof v !== 'object') return v;
  if ('$bigint' in v) return BigInt(v.$bigint);
  if ('$date' in v) return new Date(v.$date);
  return v.$decimal;
}

export function encodeKey(record: Record<string, unknown>, fields: readonly string[]): EncodedKey {
  const out: EncodedKey = {};
  for (const f of fields) {
    if (!(f in record) || record[f] === undefined || record[f] === null) throw new TypeError(`record has no value for primary key field "${f}"`);
    out[f] = encodeValue(record[f]);
  }
  return out;
}

export function decodeKey(key: EncodedKey): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(key)) out[k] = decodeValue(v);
  return out;
}

function plain(v: EncodedValue): string {
  if (typeof v !== 'object') return String(v);
  if ('$bigint' in v) return v.$bigint;
  if ('$date' in v) return v.$date;
  return v.$decimal;
}

/** `42` for a single key; `acme,42` for a compound one (each part URI-escaped). */
export function recordIdOf(key: EncodedKey, fields: readonly string[]): string {
  if (fields.length === 1) return plain(key[fields[0]!]!);
  return fields.map((f) => encodeURIComponent(plain(key[f]!))).join(',');
}

/**
 * 64-bit FNV-1a over the UTF-16 code units, as 16 hex characters: a short, deterministic
 * fingerprint. Workflow ids are made of it, so its output must never change: computed on two
 * 32-bit halves (every intermediate an exact integer below 2^53), it equals the BigInt definition
 * `h = ((h ^ code) * 0x100000001b3) mod 2^64` from `0xcbf29ce484222325` (test/unit/fingerprint.test.ts),
 * several times faster: a scheduler hashes every chunk's record ids with it.
 */
export function fingerprint(text: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    // h * (2^40 + 0x1b3): the low half times 0x1b3 carries into the high half, and the low half
    // shifted left by 40 lands in the high half (shifted by 8)
    const low = lo * 0x1b3;
    const carry = Math.floor(low / 0x100000000);
    hi = (hi * 0x1b3 + carry + (lo << 8)) >>> 0;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** JSON with sorted object keys, so equal values always give equal text. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(`${value}n`);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

const MAX_ID = 255;

/** Escapes `%` and `/` so the parts of an id can never run into each other. */
function idPart(s: string): string {
  return s.replace(/%/g, '%25').replace(/\//g, '%2F');
}

/** The tenant's part of a workflow id: `-` for none, `%2D` for a tenant named `-`, else escaped. */
export function tenantIdPart(tenant: string | null | undefined): string {
  return tenant === null || tenant === undefined ? '-' : tenant === '-' ? '%2D' : idPart(tenant);
}

/**
 * The per-record workflow id: `<workflowType>/<tenant or ->/<recordId>`, plus `/<fingerprint>` of
 * the uniqueness arguments when there are any (`%` and `/` in the tenant and record id are
 * escaped, and a tenant named `-` is written `%2D`, so different records never share an id). At most 255 characters (longer ids are shortened
 * with a fingerprint of the full id).
 */
export function recordWorkflowId(workflowType: string, tenant: string | null | undefined, recordId: string, uniqueArgs?: Record<string, unknown>): string {
  const args = uniqueArgs === undefined ? '{}' : stableStringify(uniqueArgs);
  const id = `${workflowType}/${tenantIdPart(tenant)}/${idPart(recordId)}${args !== '{}' ? `/${fingerprint(args)}` : ''}`;
  if (id.length <= MAX_ID) return id;
  return `${id.slice(0, MAX_ID - 18)}~${fingerprint(id)}`;
}
