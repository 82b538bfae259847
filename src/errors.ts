/**
 * One error hierarchy for the whole library. Every error has a stable `code` (match on it, not on
 * messages), a message that names the option or setting involved and how to fix it, and, where
 * relevant, structured fields.
 */

/** Every code an error of this library can carry. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'DEFINITION_INVALID'
  | 'QUEUE_NOT_SERVED'
  | 'UNKNOWN_TRIGGER'
  | 'UNKNOWN_WORKFLOW_TYPE'
  | 'WORKFLOW_ROLE_MISMATCH'
  | 'TRIGGER_NO_LONGER_APPLIES'
  | 'SNOOZE'
  | 'CANCEL'
  | 'MIGRATION_FAILED'
  | 'MIGRATION_BLOCKED'
  | 'PORT_IN_USE'
  | 'TEMPORAL_UNAVAILABLE'
  | 'TEMPORAL_START_FAILED'
  | 'DATABASE_UNAVAILABLE'
  | 'DATABASE_MISSING'
  | 'SCHEMA_MISSING'
  | 'ACTOR_LOOKUP_FAILED'
  | 'DRAIN_TOO_LARGE'
  | 'NOT_FOUND'
  | 'FORBIDDEN';

/** Base class of every error thrown by this library. */
export class TriggerError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A definition (resource, trigger, scheduled action) or option is invalid. `path` names it. */
export class DefinitionError extends TriggerError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? 'DEFINITION_INVALID', `${path}: ${message}`, options);
    this.path = path;
  }
}

/** A configuration value (environment variable, CLI flag, stack option) is invalid. */
export class ConfigError extends TriggerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, options);
  }
}

/** What a command or call names does not exist: a run (workflow id), a record, a Schedule. */
export class NotFoundError extends TriggerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
  }
}

/** The dashboard's `authorize` hook refused what a request asked for. */
export class ForbiddenError extends TriggerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FORBIDDEN', message, options);
  }
}

/** A migration failed to apply, or an earlier failed migration blocks the run (Prisma's P3009). */
export class MigrationError extends TriggerError {
  readonly migrationName: string;
  constructor(code: 'MIGRATION_FAILED' | 'MIGRATION_BLOCKED', migrationName: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.migrationName = migrationName;
  }
}

/** The local development stack (Temporal server, UI, embedded database) could not start. */
export class DevStackError extends TriggerError {
  constructor(code: 'PORT_IN_USE' | 'TEMPORAL_UNAVAILABLE' | 'TEMPORAL_START_FAILED' | 'DATABASE_UNAVAILABLE', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
