/** What `schedule` and `scheduleAndRunTriggers` accept as targets, resolved to definitions. */
import type { App, Resource, ScheduledAction, Trigger } from '../definitions/define';
import { DefinitionError } from '../errors';

/** A trigger or scheduled action by object, or by id `Resource.name`. */
export type ScheduleTarget = Trigger | ScheduledAction | string;
/** What `scheduleAndRunTriggers` accepts. */
export type Triggerable = App | Resource | Trigger | ScheduledAction | [Resource, string] | string | Triggerable[];

/** A trigger or scheduled action by id; an unknown id is `UNKNOWN_TRIGGER`, with suggestions. */
export function lookupDefinition(app: App, id: string): Trigger | ScheduledAction {
  return app.triggers.find((x) => x.id === id) ?? app.scheduledActions.find((x) => x.id === id) ?? app.trigger(id);
}

/**
 * Every trigger (paused and deleted ones too: their scheduler does nothing and counts `cancelled`,
 * as in AshOban) and, when asked or named, every active scheduled action of the targets, once.
 */
export function resolveTargets(app: App, target: Triggerable, opts: { triggers?: boolean; scheduledActions?: boolean }): (Trigger | ScheduledAction)[] {
  const out: (Trigger | ScheduledAction)[] = [];
  const wantTriggers = opts.triggers ?? true;
  const wantActions = opts.scheduledActions ?? false;
  const visit = (x: Triggerable): void => {
    if (Array.isArray(x)) {
      if (x.length === 2 && typeof x[1] === 'string' && typeof x[0] === 'object' && x[0] !== null && 'triggers' in x[0] && 'model' in x[0]) {
        const [resource, name] = x as [Resource, string];
        const found = resource.triggers.find((t) => t.name === name) ?? resource.scheduledActions.find((a) => a.name === name);
        if (!found) throw new DefinitionError(`${resource.model}.${name}`, 'no such trigger or scheduled action');
        out.push(found);
        return;
      }
      (x as Triggerable[]).forEach(visit);
      return;
    }
    if (typeof x === 'string') {
      out.push(lookupDefinition(app, x));
      return;
    }
    if ('kind' in x && (x.kind === 'trigger' || x.kind === 'scheduled-action')) {
      out.push(x);
      return;
    }
    const resources = 'resources' in x ? x.resources : [x as Resource];
    for (const r of resources) {
      if (wantTriggers) out.push(...r.triggers);
      if (wantActions) out.push(...r.scheduledActions.filter((a) => a.state === 'active'));
    }
  };
  visit(target);
  return [...new Set(out)];
}
