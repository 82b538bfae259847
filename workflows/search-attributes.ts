/**
 * Custom search attributes this library registers and sets, so every run can be found and
 * filtered in the Temporal UI (e.g. `TriggerName = "Ticket.process" AND TriggerOutcome = "failure"`).
 * Pure module: imported by workflows and by the rest of the library.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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
