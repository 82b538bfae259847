/** Default names derived from resource + trigger (AshOban's defaults, in Temporal's terms). */

export function delegateName(model: string): string {
  return model.charAt(0).toLowerCase() + model.slice(1);
}

export function snakeCase(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

/** `Ticket.process` */
export function triggerId(resource: string, name: string): string {
  return `${resource}.${name}`;
}

/** Default per-record workflow type: `Ticket.process`. */
export function defaultWorkflowType(resource: string, name: string): string {
  return triggerId(resource, name);
}

/** Default scheduler workflow type: `Ticket.process.scheduler`. */
export function defaultSchedulerWorkflowType(resource: string, name: string): string {
  return `${triggerId(resource, name)}.scheduler`;
}

/** Default task queue: `ticket_process` (AshOban: `<short_name>_<name>`). */
export function defaultQueue(resource: string, name: string): string {
  return `${snakeCase(resource)}_${snakeCase(name)}`;
}

/** Schedule id of a trigger's scheduler or of a scheduled action. */
export function scheduleIdFor(workflowType: string): string {
  return `ptt:${workflowType}`;
}
