/**
 * Custom search attributes this library registers and sets, so every run can be found and
 * filtered in the Temporal UI (e.g. `TriggerName = "Ticket.process" AND TriggerOutcome = "failure"`).
 * Pure module: imported by workflows and by the rest of the library.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/** Which application (definitions owner) a schedule or run belongs to. */
export const TriggerOwner = defineSearchAttributeKey('TriggerOwner', SearchAttributeType.KEYWORD);
/** `scheduler`, `record` or `scheduled-action`. */
export const TriggerKind = defineSearchAttributeKey('TriggerKind', SearchAttributeType.KEYWORD);
/** `<Resource>.<trigger or scheduled action name>`. */
export const TriggerName = defineSearchAttributeKey('TriggerName', SearchAttributeType.KEYWORD);
/** The resource (Prisma model) name. */
export const TriggerResource = defineSearchAttributeKey('TriggerResource', SearchAttributeType.KEYWORD);
/** The record's primary key, as in the workflow id. */
export const TriggerRecordId = defineSearchAttributeKey('TriggerRecordId', SearchAttributeType.KEYWORD);
/**
 * `running`, `backoff`, `snoozed`, then `success`, `error-handled` (every attempt failed and
 * `onError` handled it: the run succeeded), `discard`, `failure` or `cancelled`.
 */
export const TriggerOutcome = defineSearchAttributeKey('TriggerOutcome', SearchAttributeType.KEYWORD);
/** The tenant the run belongs to, when there is one. */
export const TriggerTenant = defineSearchAttributeKey('TriggerTenant', SearchAttributeType.KEYWORD);
/** Tags of the trigger or scheduled action, and tags given per call (a keyword list). */
export const TriggerTags = defineSearchAttributeKey('TriggerTags', SearchAttributeType.KEYWORD_LIST);
/** Hash of a schedule's definition, so booting twice changes nothing. */
export const TriggerConfigHash = defineSearchAttributeKey('TriggerConfigHash', SearchAttributeType.KEYWORD);

/** Every custom search attribute, for registration. */
export const ALL_SEARCH_ATTRIBUTES = [
  TriggerOwner,
  TriggerKind,
  TriggerName,
  TriggerResource,
  TriggerRecordId,
  TriggerOutcome,
  TriggerTenant,
  TriggerConfigHash,
  TriggerTags,
] as const;

/** What a run or schedule is, as its search attributes say it. */
export interface RunAttributes {
  owner: string;
  kind: 'scheduler' | 'record' | 'chunk' | 'scheduled-action';
  name: string;
  resource?: string;
  recordId?: string;
  /** Set at start (`running`) on runs that report their outcome; schedules and schedulers carry none. */
  outcome?: string;
  tenant?: string | null;
  tags?: readonly string[];
}

/**
 * The one builder of this library's search attributes (every start path: schedules, schedulers,
 * per-record, chunk and scheduled-action runs), always in the same order.
 */
export function runSearchAttributes(a: RunAttributes): SearchAttributePair[] {
  const tags = a.tags ? [...new Set(a.tags)] : [];
  return [
    { key: TriggerOwner, value: a.owner },
    { key: TriggerKind, value: a.kind },
    { key: TriggerName, value: a.name },
    ...(a.resource !== undefined ? [{ key: TriggerResource, value: a.resource }] : []),
    ...(a.recordId !== undefined ? [{ key: TriggerRecordId, value: a.recordId }] : []),
    ...(a.outcome !== undefined ? [{ key: TriggerOutcome, value: a.outcome }] : []),
    ...(a.tenant !== undefined && a.tenant !== null ? [{ key: TriggerTenant, value: a.tenant }] : []),
    ...(tags.length ? [{ key: TriggerTags, value: tags }] : []),
  ];
}
