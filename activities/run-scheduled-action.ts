/** Scheduled-action activity: runs the action once, told whether this is the last attempt. */
import { log } from '@temporalio/activity';
import { cancel, snooze } from '../src/control-flow';
import type { App } from '../src/definitions/define';
import type { AnyPrismaClient } from '../src/prisma/model-meta';
import type { AttemptOutcome, RunScheduledActionInput } from '../workflows/types';
import { outcomeOfError } from './attempt-outcome';
import { abandonment } from './attempt-transaction';
import { definitionOfRun } from './definition-of-run';
import { withHeartbeat } from './heartbeat';
import { currentRunOf, resolveScope } from './run-scope';
import { withCurrentRun } from '../src/runtime/run-scope';

export async function runScheduledAction(app: App, prisma: AnyPrismaClient, input: RunScheduledActionInput, abandon?: AbortSignal): Promise<AttemptOutcome> {
  const a = definitionOfRun(app, 'scheduled-action');
  if (a.state !== 'active') return { status: 'cancel', reason: `scheduled action ${a.id} is ${a.state}` };
  if (a.debug) log.debug(`Scheduled action ${a.id} triggered.`, { attempt: input.attempt });
  // An attempt its worker gives up on (shutdown past the grace time) fails at once, even when the
  // action ignores cancellation (it has no transaction to end: what it did so far stays done).
  const watch = abandonment(undefined, abandon);
  try {
    watch.check();
    const scope = await resolveScope(app, a, input);
    const run = currentRunOf(app, a, { trigger: a.id, workflowId: input.workflowId, attempt: input.attempt }, scope);
    await watch.race(withHeartbeat(async () =>
      withCurrentRun(run, () =>
        a.action({
        prisma,
        args: { ...(a.actionInput ?? {}), ...input.actionArguments },
        attempt: input.attempt,
        maxAttempts: input.maxAttempts,
        lastAttempt: input.attempt >= input.maxAttempts,
        name: a.id,
        tenant: scope.tenant,
        actor: scope.actor,
        workflowId: input.workflowId,
        scheduledAt: new Date(input.scheduledAt),
        snooze,
        cancel,
      }),
      ),
    ));
    return { status: 'success' };
  } catch (err) {
    if (watch.state.abandoned) throw err;
    return outcomeOfError(err, a.backoff, input.attempt, input.attempt < input.maxAttempts);
  } finally {
    watch.dispose();
  }
}
