import { Context } from '@temporalio/activity';

/** Heartbeats while `work` runs, so a crashed worker is noticed in seconds, not at the timeout. */
export async function withHeartbeat<T>(work: () => Promise<T>, everyMs = 5000): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    ctx = undefined; // called outside an activity (unit tests)
  }
  const timer = ctx && !ctx.info.isLocal ? setInterval(() => ctx!.heartbeat(), everyMs) : undefined;
  try {
    return await work();
  } finally {
    if (timer) clearInterval(timer);
  }
}
