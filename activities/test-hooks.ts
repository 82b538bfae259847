/**
 * Points where fault tests pause a worker process (to kill it there). Never set in production:
 * nothing outside test fixtures assigns them.
 */
export const testHooks: {
  /** After an attempt's transaction committed, before the activity returns to Temporal. */
  afterCommit?: (workflowId: string, kind: 'action' | 'onError') => Promise<void>;
} = {};
