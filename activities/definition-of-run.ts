/**
 * Which definition an activity works for, found through the workflow type of the run that called
 * it (the stable name: `workflowType`, `schedulerWorkflowType`), never through the trigger's key
 * (`<Model>.<name>`), which is derived from code names and changes when code is renamed.
 */
import { activityInfo } from '@temporalio/activity';
import type { App, ScheduledAction, Trigger } from '../src/definitions/define';
import { TriggerError } from '../src/errors';
import type { WorkflowRole } from '../workflows/registry';

type DefinitionFor<R extends WorkflowRole> = R extends 'scheduled-action' ? ScheduledAction : Trigger;

/**
 * The definition of the calling run, checked against the role the activity serves (a per-record
 * attempt must come from a per-record run, and so on). `workflowType` defaults to the calling
 * workflow's, read from the activity's context.
 */
export function definitionOfRun<R extends WorkflowRole>(app: App, role: R, workflowType: string = activityInfo().workflowType ?? ''): DefinitionFor<R> {
  const entry = app.byWorkflowType.get(workflowType);
  if (!entry) {
    throw new TriggerError(
      'UNKNOWN_WORKFLOW_TYPE',
      `No trigger or scheduled action of app "${app.name}" declares workflow type "${workflowType}": restore the definition with that workflowType/schedulerWorkflowType, or terminate the run.`,
    );
  }
  if (entry.role !== role) {
    throw new TriggerError(
      'WORKFLOW_ROLE_MISMATCH',
      `Workflow type "${workflowType}" is declared as a ${entry.role} type (${'trigger' in entry ? entry.trigger.id : entry.action.id}), but this run calls a ${role} activity: a stable name must keep its role.`,
    );
  }
  return ('trigger' in entry ? entry.trigger : entry.action) as DefinitionFor<R>;
}
