/**
 * Run after write (AshOban's `run_oban_trigger` change): a Prisma client extension that starts a
 * trigger's run for each record a write returns (`create`, `update`, `upsert`,
 * `createManyAndReturn`, `updateManyAndReturn` by default; configurable per trigger).
 *
 * - Actor and tenant: those of the enclosing run (`currentRun()`), else the extension's options.
 * - `extraArgs` and `readMetadata` see the full written record.
 * - `where` is not checked at write time: the run re-reads the record and checks it.
 * - Runs start when the write returns. A write inside a transaction that later rolls back leaves a
 *   run whose re-read finds no record (or the old one): it ends `cancelled`. A run may also re-read
 *   before a still-open transaction commits a *created* record; give `startDelay` for writes made
 *   inside long transactions.
 * - `createMany` / `updateMany` on a watched model return no records: they are refused, naming
 *   `createManyAndReturn` / `updateManyAndReturn`.
 *
 * @example
 * const prisma = new PrismaClient({ adapter }).$extends(runAfterWrite({ triggers, on: { Ticket: ['process'] } }));
 * await prisma.ticket.create({ data: { subject: 'printer on fire' } }); // Ticket.process starts for it
 */
import type { Duration } from '@temporalio/common';
import { ConfigError } from '../errors';
import { currentRun } from '../runtime/run-scope';
import type { Tenant } from '../definitions/types';
import type { TriggerClient } from './trigger-client';

export type WriteOperation = 'create' | 'update' | 'upsert' | 'createManyAndReturn' | 'updateManyAndReturn';

export const DEFAULT_WRITE_OPERATIONS: readonly WriteOperation[] = ['create', 'update', 'upsert', 'createManyAndReturn', 'updateManyAndReturn'];

export interface RunAfterWriteOptions {
  /** The client that starts the runs (`createTriggerClient({ client, app })`). */
  triggers: TriggerClient;
  /**
   * Per model (as in schema.prisma), the triggers to start: `{ Ticket: ['process'] }` (every
   * default operation) or `{ Ticket: { process: ['create'] } }`.
   */
  on: Record<string, string[] | Record<string, WriteOperation[]>>;
  /** Actor of the runs when the write is not made inside a run. */
  actor?: unknown;
  /** Tenant of the runs when the write is not made inside a run. */
  tenant?: Tenant | null;
  /** Start the runs after this delay. */
  startDelay?: Duration;
}

/** The extension object for `prisma.$extends(...)` (plain object: no import of your generated client). */
export function runAfterWrite(options: RunAfterWriteOptions) {
  const { triggers } = options;
  const watched = new Map<string, Map<WriteOperation, string[]>>();
  for (const [model, spec] of Object.entries(options.on)) {
    const byOp = new Map<WriteOperation, string[]>();
    const entries: [string, readonly WriteOperation[]][] = Array.isArray(spec) ? spec.map((name) => [name, DEFAULT_WRITE_OPERATIONS]) : Object.entries(spec);
    for (const [name, ops] of entries) {
      const id = `${model}.${name}`;
      triggers.app.trigger(id); // unknown trigger: UNKNOWN_TRIGGER now, not at the first write
      for (const op of ops) {
        if (!DEFAULT_WRITE_OPERATIONS.includes(op)) throw new ConfigError(`runAfterWrite: on.${model}.${name}: "${op}" returns no records to start runs for; use one of ${DEFAULT_WRITE_OPERATIONS.join(', ')}`);
        byOp.set(op, [...(byOp.get(op) ?? []), id]);
      }
    }
    watched.set(model, byOp);
  }
  return {
    name: 'prisma-temporal-triggers/run-after-write',
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }: { model?: string; operation: string; args: unknown; query: (args: unknown) => Promise<unknown> }): Promise<unknown> {
          const byOp = model ? watched.get(model) : undefined;
          if (!byOp) return query(args);
          if (operation === 'createMany' || operation === 'updateMany') {
            const returning = operation === 'createMany' ? 'createManyAndReturn' : 'updateManyAndReturn';
            throw new ConfigError(
              `prisma.${model}.${operation} returns no records, so runAfterWrite cannot start ${[...new Set([...byOp.values()].flat())].join(', ')} for them: use ${returning} instead.`,
            );
          }
          const result = await query(args);
          const ids = byOp.get(operation as WriteOperation);
          if (!ids || result === null || result === undefined) return result;
          const records = (Array.isArray(result) ? result : [result]) as Record<string, unknown>[];
          const inside = currentRun();
          for (const id of ids) {
            await triggers.runTriggers(records, id, {
              ...(inside ? {} : { ...(options.actor !== undefined ? { actor: options.actor } : {}), ...(options.tenant !== undefined ? { tenant: options.tenant } : {}) }),
              ...(options.startDelay !== undefined ? { startDelay: options.startDelay } : {}),
            });
          }
          return result;
        },
      },
    },
  };
}
