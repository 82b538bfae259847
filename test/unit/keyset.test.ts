import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { afterCursorWhere, cursorOf, orderFor } from '../../src/prisma/keyset';
import type { Cursor, OrderTerm, SortOption } from '../../src/prisma/keyset';

type Row = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// A tiny evaluator of the Prisma `where` objects afterCursorWhere produces, and Postgres ordering.
// ---------------------------------------------------------------------------------------------

type Scalar = number | bigint | string | Date;

function compareScalars(a: Scalar, b: Scalar): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'string' || typeof y === 'string') throw new Error(`cannot compare ${typeof x} with ${typeof y}`);
  return x < y ? -1 : x > y ? 1 : 0;
}

function isNull(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

function matchField(value: unknown, cond: unknown): boolean {
  if (cond === null) return isNull(value);
  if (typeof cond === 'object' && !(cond instanceof Date)) {
    const ops = cond as Record<string, unknown>;
    for (const [op, operand] of Object.entries(ops)) {
      if (op === 'not') {
        if (operand !== null) throw new Error(`unsupported { not: ${String(operand)} }`);
        if (isNull(value)) return false;
      } else if (op === 'gt' || op === 'lt') {
        if (isNull(operand)) throw new Error(`${op} with a null operand`);
        if (isNull(value)) return false; // SQL: comparisons with NULL are not true
        const c = compareScalars(value as Scalar, operand as Scalar);
        if (op === 'gt' ? c <= 0 : c >= 0) return false;
      } else {
        throw new Error(`unsupported operator ${op}`);
      }
    }
    return true;
  }
  return !isNull(value) && compareScalars(value as Scalar, cond as Scalar) === 0;
}

function evaluate(where: Record<string, unknown>, row: Row): boolean {
  for (const [key, cond] of Object.entries(where)) {
    if (key === 'AND') {
      if (!(cond as Record<string, unknown>[]).every((w) => evaluate(w, row))) return false;
    } else if (key === 'OR') {
      if (!(cond as Record<string, unknown>[]).some((w) => evaluate(w, row))) return false;
    } else if (!matchField(row[key], cond)) {
      return false;
    }
  }
  return true;
}

/** Postgres ORDER BY: ASC puts NULLs last, DESC puts NULLs first. */
function pgCompare(order: readonly OrderTerm[]) {
  return (a: Row, b: Row): number => {
    for (const { field, dir } of order) {
      const x = a[field];
      const y = b[field];
      let c: number;
      if (isNull(x) && isNull(y)) c = 0;
      else if (isNull(x)) c = 1; // NULL is the largest value
      else if (isNull(y)) c = -1;
      else c = compareScalars(x as Scalar, y as Scalar);
      if (c !== 0) return dir === 'asc' ? c : -c;
    }
    return 0;
  };
}

/** What `findMany({ where: { AND: [cursorWhere] }, orderBy, take })` returns. */
function findMany(rows: readonly Row[], order: readonly OrderTerm[], where: Record<string, unknown> | undefined, take: number): Row[] {
  return rows.filter((r) => (where ? evaluate(where, r) : true)).sort(pgCompare(order)).slice(0, take);
}

/** Pages through `rows` the way the scheduler does, returning every row visited in order. */
function pageThrough(rows: readonly Row[], order: readonly OrderTerm[], pageSize: number): Row[] {
  const seen: Row[] = [];
  let cursor: Cursor | undefined;
  for (let pages = 0; pages <= rows.length + 1; pages++) {
    // Through JSON, as the cursor travels between activities in Temporal.
    const where = cursor ? afterCursorWhere(order, JSON.parse(JSON.stringify(cursor)) as Cursor) : undefined;
    const page = findMany(rows, order, where, pageSize);
    seen.push(...page);
    if (page.length < pageSize) return seen;
    cursor = cursorOf(page[page.length - 1]!, order);
  }
  throw new Error('paging did not terminate');
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(list: T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function makeRows(count: number, random: () => number): Row[] {
  const rows: Row[] = [];
  for (let i = 1; i <= count; i++) {
    rows.push({
      id: i,
      tenant: ['acme', 'globex', 'a,b'][Math.floor(random() * 3)]!,
      priority: Math.floor(random() * 4), // few distinct values: many ties
      dueAt: random() < 0.3 ? null : new Date(Date.UTC(2024, 0, 1 + Math.floor(random() * 5))),
      score: random() < 0.25 ? null : BigInt(Math.floor(random() * 3)),
      label: random() < 0.2 ? null : ['x', 'y', 'z'][Math.floor(random() * 3)]!,
    });
  }
  return rows;
}

const NULLABLE = new Set(['dueAt', 'score', 'label']);
const withNullability = (order: OrderTerm[]): OrderTerm[] => order.map((t) => ({ ...t, nullable: NULLABLE.has(t.field) }));

describe('orderFor', () => {
  test('without sort: the primary key ascending', () => {
    assert.deepEqual(orderFor(undefined, ['id']), [{ field: 'id', dir: 'asc' }]);
    assert.deepEqual(orderFor(undefined, ['tenantId', 'id']), [
      { field: 'tenantId', dir: 'asc' },
      { field: 'id', dir: 'asc' },
    ]);
  });

  test('sort terms first (object or list), then the primary key as tie-breaker', () => {
    assert.deepEqual(orderFor({ priority: 'desc', createdAt: 'asc' }, ['id']), [
      { field: 'priority', dir: 'desc' },
      { field: 'createdAt', dir: 'asc' },
      { field: 'id', dir: 'asc' },
    ]);
    assert.deepEqual(orderFor([{ createdAt: 'asc' }, { priority: 'desc' }], ['id']), [
      { field: 'createdAt', dir: 'asc' },
      { field: 'priority', dir: 'desc' },
      { field: 'id', dir: 'asc' },
    ]);
  });

  test('a field is only ordered once: the first mention wins, a sorted key field is not repeated', () => {
    assert.deepEqual(orderFor([{ priority: 'desc' }, { priority: 'asc' }], ['id']), [
      { field: 'priority', dir: 'desc' },
      { field: 'id', dir: 'asc' },
    ]);
    assert.deepEqual(orderFor({ id: 'desc' }, ['id']), [{ field: 'id', dir: 'desc' }]);
    assert.deepEqual(orderFor({ id: 'desc' }, ['tenantId', 'id']), [
      { field: 'id', dir: 'desc' },
      { field: 'tenantId', dir: 'asc' },
    ]);
    assert.deepEqual(orderFor([], ['id']), [{ field: 'id', dir: 'asc' }]);
  });
});

describe('cursorOf', () => {
  test('encodes the order values of a row (JSON-safe), NULL and missing as null', () => {
    const order: OrderTerm[] = [
      { field: 'dueAt', dir: 'asc' },
      { field: 'score', dir: 'desc' },
      { field: 'label', dir: 'asc' },
      { field: 'missing', dir: 'asc' },
      { field: 'id', dir: 'asc' },
    ];
    const cursor = cursorOf({ id: 7, dueAt: new Date('2024-01-02T03:04:05.000Z'), score: 12n, label: null, other: 'ignored' }, order);
    assert.deepEqual(cursor, [{ $date: '2024-01-02T03:04:05.000Z' }, { $bigint: '12' }, null, null, 7]);
    assert.deepEqual(JSON.parse(JSON.stringify(cursor)), cursor);
  });

  test('rejects values that cannot be a cursor', () => {
    assert.throws(() => cursorOf({ id: { nested: true } }, [{ field: 'id', dir: 'asc' }]), TypeError);
  });
});

describe('afterCursorWhere: structure', () => {
  test('single ascending key: strictly greater', () => {
    assert.deepEqual(afterCursorWhere([{ field: 'id', dir: 'asc' }], [5]), { OR: [{ id: { gt: 5 } }] });
  });

  test('descending term then key: a branch per term with equality prefixes', () => {
    const order: OrderTerm[] = [
      { field: 'priority', dir: 'desc' },
      { field: 'id', dir: 'asc' },
    ];
    assert.deepEqual(afterCursorWhere(order, [3, 10]), {
      OR: [{ priority: { lt: 3 } }, { AND: [{ priority: 3 }, { id: { gt: 10 } }] }],
    });
  });

  test('cursor values are decoded (Date, BigInt)', () => {
    const order: OrderTerm[] = [
      { field: 'dueAt', dir: 'asc' },
      { field: 'id', dir: 'asc' },
    ];
    const where = afterCursorWhere(order, [{ $date: '2024-01-02T00:00:00.000Z' }, { $bigint: '9007199254740993' }]);
    assert.deepEqual(where, {
      OR: [{ dueAt: { gt: new Date('2024-01-02T00:00:00.000Z') } }, { AND: [{ dueAt: new Date('2024-01-02T00:00:00.000Z') }, { id: { gt: 9007199254740993n } }] }],
    });
  });

  test('nullable ascending column: NULLs come after any value', () => {
    const order: OrderTerm[] = [
      { field: 'dueAt', dir: 'asc', nullable: true },
      { field: 'id', dir: 'asc' },
    ];
    assert.deepEqual(afterCursorWhere(order, ['b', 4]), {
      OR: [{ OR: [{ dueAt: { gt: 'b' } }, { dueAt: null }] }, { AND: [{ dueAt: 'b' }, { id: { gt: 4 } }] }],
    });
    // Required column: no null filter (Prisma rejects null filters on required fields).
    assert.deepEqual(afterCursorWhere([{ field: 'dueAt', dir: 'asc' }, { field: 'id', dir: 'asc' }], ['b', 4]), {
      OR: [{ dueAt: { gt: 'b' } }, { AND: [{ dueAt: 'b' }, { id: { gt: 4 } }] }],
    });
  });

  test('NULL cursor value: ascending has nothing after NULL, descending continues with non-NULLs', () => {
    const asc: OrderTerm[] = [
      { field: 'dueAt', dir: 'asc', nullable: true },
      { field: 'id', dir: 'asc' },
    ];
    assert.deepEqual(afterCursorWhere(asc, [null, 4]), { OR: [{ AND: [{ dueAt: null }, { id: { gt: 4 } }] }] });
    const desc: OrderTerm[] = [
      { field: 'dueAt', dir: 'desc', nullable: true },
      { field: 'id', dir: 'asc' },
    ];
    assert.deepEqual(afterCursorWhere(desc, [null, 4]), { OR: [{ dueAt: { not: null } }, { AND: [{ dueAt: null }, { id: { gt: 4 } }] }] });
  });

  test('no term can advance: a where that matches nothing', () => {
    const where = afterCursorWhere([], []);
    assert.deepEqual(where, { AND: [{ OR: [] }] });
    assert.equal(evaluate(where, { id: 1 }), false);
  });
});

describe('afterCursorWhere: paging visits every row exactly once, in Postgres order', () => {
  const sorts: { name: string; sort: SortOption; pk: string[] }[] = [
    { name: 'primary key only', sort: undefined, pk: ['id'] },
    { name: 'primary key descending', sort: { id: 'desc' }, pk: ['id'] },
    { name: 'ties (asc)', sort: { priority: 'asc' }, pk: ['id'] },
    { name: 'ties (desc)', sort: { priority: 'desc' }, pk: ['id'] },
    { name: 'nullable Date asc (nulls last)', sort: { dueAt: 'asc' }, pk: ['id'] },
    { name: 'nullable Date desc (nulls first)', sort: { dueAt: 'desc' }, pk: ['id'] },
    { name: 'nullable BigInt desc, then priority asc', sort: [{ score: 'desc' }, { priority: 'asc' }], pk: ['id'] },
    { name: 'priority desc, nullable Date asc', sort: [{ priority: 'desc' }, { dueAt: 'asc' }], pk: ['id'] },
    { name: 'two nullable columns, mixed directions', sort: [{ label: 'asc' }, { dueAt: 'desc' }], pk: ['id'] },
    { name: 'two nullable columns, both desc', sort: [{ label: 'desc' }, { score: 'desc' }], pk: ['id'] },
    { name: 'compound primary key with a string part', sort: { dueAt: 'asc' }, pk: ['tenant', 'id'] },
    { name: 'compound primary key, nullable desc', sort: [{ label: 'desc' }], pk: ['tenant', 'id'] },
  ];

  for (const { name, sort, pk } of sorts) {
    test(name, () => {
      const order = withNullability(orderFor(sort, pk));
      for (let seed = 1; seed <= 25; seed++) {
        const random = rng(seed);
        const count = 1 + Math.floor(random() * 40);
        const rows = shuffle(makeRows(count, random), random);
        const expected = [...rows].sort(pgCompare(order)).map((r) => r.id);
        for (const pageSize of [1, 2, 3, 7, count, count + 1]) {
          const visited = pageThrough(rows, order, pageSize).map((r) => r.id);
          assert.deepEqual(visited, expected, `seed ${seed}, ${count} rows, pages of ${pageSize}`);
        }
      }
    });
  }

  test('the evaluator and comparator agree with the documented NULL placement', () => {
    const rows: Row[] = [
      { id: 1, v: 2 },
      { id: 2, v: null },
      { id: 3, v: 1 },
    ];
    assert.deepEqual(findMany(rows, [{ field: 'v', dir: 'asc' }], undefined, 10).map((r) => r.id), [3, 1, 2]);
    assert.deepEqual(findMany(rows, [{ field: 'v', dir: 'desc' }], undefined, 10).map((r) => r.id), [2, 1, 3]);
    assert.equal(evaluate({ v: { gt: 1 } }, { v: null }), false);
    assert.equal(evaluate({ v: null }, { v: null }), true);
    assert.equal(evaluate({ v: { not: null } }, { v: 0 }), true);
  });

  test('a nullable column not marked nullable skips the NULL rows (why OrderTerm.nullable matters)', () => {
    const rows: Row[] = [
      { id: 1, dueAt: 'a' },
      { id: 2, dueAt: null },
      { id: 3, dueAt: 'b' },
    ];
    const unmarked = orderFor({ dueAt: 'asc' }, ['id']);
    assert.deepEqual(pageThrough(rows, unmarked, 1).map((r) => r.id), [1, 3]);
    const marked = withNullability(unmarked);
    assert.deepEqual(pageThrough(rows, marked, 1).map((r) => r.id), [1, 3, 2]);
  });
});
