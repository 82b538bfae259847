/**
 * A trigger's `where` for one read: the scheduler's scan or an attempt's re-read. A `where`
 * function that throws is reported as its own error, naming the trigger, the read and the tenant.
 */
import { DefinitionError } from '../errors';
import type { Trigger } from './define';
import type { WhereInput } from './types';

export function whereFor(t: Trigger, input: WhereInput): Record<string, unknown> | undefined {
  if (typeof t.where !== 'function') return t.where;
  try {
    return t.where(input);
  } catch (err) {
    const read = input.purpose === 'scan' ? 'the scheduler read the matching records' : 'an attempt re-read its record';
    const tenant = input.allTenants ? ' (all tenants)' : input.tenant !== null ? ` (tenant ${JSON.stringify(input.tenant)})` : '';
    throw new DefinitionError(`${t.id}.where`, `threw while ${read}${tenant}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
