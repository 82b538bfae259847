/** Activities factory (filled in by the trigger engine). */
export function createTriggerActivities(): Record<string, never> {
  return {};
}
export type TriggerActivities = ReturnType<typeof createTriggerActivities>;
