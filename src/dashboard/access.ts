/**
 * Who may do what on the dashboard, and what was done. Reading is allowed unless `authorize` says
 * otherwise; every action (and seeing decoded payloads) is refused unless `authorize` allows it.
 * Each action asked for, allowed or refused, is written to the action log.
 */
import type { IncomingMessage } from 'node:http';

/** What a request asks to do: `view` reads pages, `payloads` sees decoded run results and errors. */
export const DASHBOARD_ACTIONS = ['view', 'payloads', 'pause', 'resume', 'run-now', 'backfill', 'cancel', 'retry'] as const;
export type DashboardAction = (typeof DASHBOARD_ACTIONS)[number];

/** The user's hook: whether this request may do `action` (read-only when absent). */
export type Authorize = (request: IncomingMessage, action: DashboardAction) => boolean | Promise<boolean>;

/** What happens when no `authorize` hook is given: pages are readable, nothing else is allowed. */
export const readOnly: Authorize = (_request, action) => action === 'view';

export interface ActionLogEntry {
  at: string;
  action: DashboardAction;
  /** The trigger or scheduled action, or the runs' workflow ids. */
  target: string;
  allowed: boolean;
  /** What came of it: the new state, how many runs, or the error. */
  result?: string;
  /** Who asked, as `identify` names them (default: the client's address). */
  by: string;
}

/** The last `size` actions, newest first, and the user's `onAction` hook told of each. */
export class ActionLog {
  private readonly entries: ActionLogEntry[] = [];
  constructor(
    private readonly size: number,
    private readonly onAction?: (entry: ActionLogEntry) => void,
  ) {}
  add(entry: ActionLogEntry): void {
    this.entries.unshift(entry);
    this.entries.length = Math.min(this.entries.length, this.size);
    try {
      this.onAction?.(entry);
    } catch {
      // a failing log hook never fails the action
    }
  }
  list(): ActionLogEntry[] {
    return [...this.entries];
  }
}

/** Whether `request` may do each action (the page shows only the buttons it may use). */
export async function permissions(authorize: Authorize, request: IncomingMessage): Promise<Record<DashboardAction, boolean>> {
  const entries = await Promise.all(DASHBOARD_ACTIONS.map(async (a) => [a, await allowed(authorize, request, a)] as const));
  return Object.fromEntries(entries) as Record<DashboardAction, boolean>;
}

/** The hook's answer; a hook that throws refuses. */
export async function allowed(authorize: Authorize, request: IncomingMessage, action: DashboardAction): Promise<boolean> {
  try {
    return (await authorize(request, action)) === true;
  } catch {
    return false;
  }
}
