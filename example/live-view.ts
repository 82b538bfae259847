/**
 * `npm start`'s live view: per trigger and scheduled action of the app, runs started, in flight
 * and finished by outcome since the view started, from Temporal's visibility. On a terminal it is
 * redrawn in place every 2 s; otherwise a line is printed when the figures change.
 */
import type { Client } from '@temporalio/client';
import type { App } from '../src';

const OUTCOMES = ['success', 'error-handled', 'failure', 'discard', 'cancelled'] as const;

export interface LiveView {
  stop(): void;
}

export function startLiveView(client: Client, app: App, out: NodeJS.WriteStream = process.stdout): LiveView {
  const since = new Date().toISOString();
  const defs = [...app.triggers.map((t) => ({ id: t.id, kinds: `('record', 'chunk')` })), ...app.scheduledActions.map((a) => ({ id: a.id, kinds: `('scheduled-action')` }))];
  const width = Math.max(...defs.map((d) => d.id.length));
  let drawn = 0;
  let last = '';
  let stopped = false;
  const count = async (q: string): Promise<number> => (await client.workflow.count(q)).count;
  const render = async (): Promise<string> => {
    const rows = await Promise.all(
      defs.map(async (d) => {
        const base = `TriggerOwner = '${app.name}' AND TriggerName = '${d.id}' AND TriggerKind IN ${d.kinds} AND StartTime >= '${since}'`;
        const [started, running, ...done] = await Promise.all([count(base), count(`${base} AND ExecutionStatus = 'Running'`), ...OUTCOMES.map((o) => count(`${base} AND TriggerOutcome = '${o}'`))]);
        const finished = OUTCOMES.map((o, i) => (done[i] ? `${o} ${done[i]}` : '')).filter(Boolean).join(', ') || '-';
        return `${d.id.padEnd(width)}  started ${String(started).padStart(4)}  in flight ${String(running).padStart(3)}  finished: ${finished}`;
      }),
    );
    return rows.join('\n');
  };
  const tick = async (): Promise<void> => {
    if (stopped) return;
    let text: string;
    try {
      text = await render();
    } catch {
      return; // the server is restarting or stopping: try again at the next tick
    }
    if (stopped || text === last) return;
    last = text;
    if (out.isTTY) {
      if (drawn) out.write(`\x1b[${drawn}A\x1b[J`);
      out.write(`${text}\n`);
      drawn = text.split('\n').length;
    } else out.write(`[live] ${text.split('\n').join(' | ')}\n`);
  };
  const timer = setInterval(() => void tick(), 2000);
  void tick();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
