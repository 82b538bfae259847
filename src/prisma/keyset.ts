/**
 * Keyset pagination over a trigger's `sort` plus the primary key (pure). The cursor is the last
 * row's order values; the next page is "strictly after" it in the same order, with Postgres's
 * default NULL placement (ASC: nulls last, DESC: nulls first).
 */
import { decodeValue, encodeValue, type EncodedValue } from '../../workflows/primary-key';

export interface OrderTerm {
  field: string;
  dir: 'asc' | 'desc';
  /** The column may hold NULL (Prisma rejects null filters on required fields). */
  nullable?: boolean;
}

export type SortOption = Record<string, 'asc' | 'desc'> | Record<string, 'asc' | 'desc'>[] | undefined;

/** The trigger's sort terms, then the primary key fields (ascending) as tie-breakers. */
export function orderFor(sort: SortOption, primaryKey: readonly string[]): OrderTerm[] {
  const terms: OrderTerm[] = [];
  const list = sort === undefined ? [] : Array.isArray(sort) ? sort : Object.entries(sort).map(([k, v]) => ({ [k]: v }));
  for (const entry of list) for (const [field, dir] of Object.entries(entry)) if (!terms.some((t) => t.field === field)) terms.push({ field, dir });
  for (const field of primaryKey) if (!terms.some((t) => t.field === field)) terms.push({ field, dir: 'asc' });
  return terms;
}

export type Cursor = (EncodedValue | null)[];

export function cursorOf(row: Record<string, unknown>, order: readonly OrderTerm[]): Cursor {
  return order.map((t) => (row[t.field] === null || row[t.field] === undefined ? null : encodeValue(row[t.field])));
}

/** Prisma `where` selecting the rows strictly after `cursor` in `order`. */
export function afterCursorWhere(order: readonly OrderTerm[], cursor: Cursor): Record<string, unknown> {
  const branches: Record<string, unknown>[] = [];
  for (let i = 0; i < order.length; i++) {
    const term = order[i]!;
    const raw = cursor[i] ?? null;
    const v = raw === null ? null : decodeValue(raw);
    let after: Record<string, unknown> | undefined;
    if (v === null) after = term.dir === 'desc' ? { [term.field]: { not: null } } : undefined;
    else if (term.dir === 'desc') after = { [term.field]: { lt: v } };
    else after = term.nullable ? { OR: [{ [term.field]: { gt: v } }, { [term.field]: null }] } : { [term.field]: { gt: v } };
    if (!after) continue;
    const prefix = order.slice(0, i).map((p, j) => {
      const pr = cursor[j] ?? null;
      return { [p.field]: pr === null ? null : decodeValue(pr) };
    });
    branches.push(prefix.length ? { AND: [...prefix, after] } : after);
  }
  return branches.length ? { OR: branches } : { AND: [{ OR: [] }] };
}
