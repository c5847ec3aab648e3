/**
 * Housekeeping: retention of resolved incidents, at start (a daemon restarted
 * after weeks prunes at once) and then at `retention.schedule` (default
 * 03:17 daily), a wall-clock job of src/schedule/clock.ts. Safe beside the
 * ticks: better-sqlite3 calls are synchronous, so a prune never interleaves
 * with a tick's transaction.
 */
import type { IncidentStore } from '../record/types.js';
import type { Logger } from '../util/logger.js';
import type { Clock } from '../schedule/clock.js';

export const RETENTION_JOB = 'retention';

export interface Housekeeping {
  /** Prune now (also what the schedule runs); returns how many incidents went. */
  runNow(): number;
}

export interface HousekeepingOptions {
  clock: Clock;
  /** A cron expression (config.schedules.retention). */
  schedule: string;
  now?: () => number;
}

export function startHousekeeping(store: IncidentStore, logger: Logger, opts: HousekeepingOptions): Housekeeping {
  const now = opts.now ?? Date.now;
  const runNow = (): number => {
    try {
      return store.pruneResolved(now()); // the store logs what it pruned
    } catch (err) {
      logger.error({ job: RETENTION_JOB, err }, 'retention: pruning resolved incidents failed');
      return 0;
    }
  };
  runNow();
  opts.clock.add({ name: RETENTION_JOB, schedule: opts.schedule, run: runNow });
  return { runNow };
}
