/**
 * Wall-clock housekeeping on node-cron: retention of resolved incidents,
 * hourly (and once at start). Scan ticks are not cron jobs (scheduler.ts:
 * an interval such as 45 s is no cron pattern); this is, and it runs beside
 * the ticks safely: better-sqlite3 calls are synchronous, so a prune never
 * interleaves with a tick's transaction.
 */
import { schedule, type ScheduledTask } from 'node-cron';
import type { IncidentStore } from '../record/types.js';
import type { Logger } from '../util/logger.js';

/** Minute 17 of every hour: off the top of the hour, where other cron jobs crowd. */
export const HOUSEKEEPING_SCHEDULE = '17 * * * *';

export interface Housekeeping {
  readonly task: ScheduledTask;
  /** Prune now (also what the schedule runs); returns how many incidents went. */
  runNow(): number;
  stop(): Promise<void>;
}

export function startHousekeeping(store: IncidentStore, logger: Logger, now: () => number = Date.now): Housekeeping {
  const runNow = (): number => {
    try {
      return store.pruneResolved(now());
    } catch (err) {
      logger.error({ err }, 'retention: pruning resolved incidents failed');
      return 0;
    }
  };
  const task = schedule(HOUSEKEEPING_SCHEDULE, () => runNow(), {
    name: 'forkwatch-retention',
    noOverlap: true,
    unref: true,
    // node-cron's own messages (missed runs) go through pino, structured, not to the console.
    logger: {
      info: (msg) => logger.debug({ job: 'retention' }, msg),
      warn: (msg) => logger.warn({ job: 'retention' }, msg),
      error: (msg, err) => logger.error({ job: 'retention', err: err ?? msg }, String(msg)),
      debug: (msg) => logger.debug({ job: 'retention' }, String(msg)),
    },
  });
  runNow();
  return {
    task,
    runNow,
    async stop() {
      await task.destroy();
    },
  };
}
