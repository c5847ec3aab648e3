/**
 * Housekeeping: retention of resolved incidents, at start and then hourly,
 * on the same never-overlapping setTimeout chain as the scan ticks
 * (scheduler.ts). Not node-cron: node-cron computes every match with
 * Intl.DateTimeFormat, which maps ICU data and cost the daemon 6.1 MB of its
 * 80 MB RSS budget (bench/RESULTS.md, "daemon") for one job an hour whose
 * minute does not matter. Safe beside the ticks: better-sqlite3 calls are
 * synchronous, so a prune never interleaves with a tick's transaction.
 */
import type { IncidentStore } from '../record/types.js';
import type { Logger } from '../util/logger.js';
import { createTickScheduler } from './scheduler.js';

export const HOUSEKEEPING_INTERVAL_MS = 3_600_000;

export interface Housekeeping {
  /** Prune now (also what the schedule runs); returns how many incidents went. */
  runNow(): Promise<number>;
  stop(): Promise<void>;
}

export function startHousekeeping(
  store: IncidentStore,
  logger: Logger,
  now: () => number = Date.now,
  intervalMs = HOUSEKEEPING_INTERVAL_MS,
): Housekeeping {
  const prune = async (): Promise<number> => {
    try {
      return store.pruneResolved(now()); // the store logs what it pruned
    } catch (err) {
      logger.error({ job: 'retention', err }, 'retention: pruning resolved incidents failed');
      return 0;
    }
  };
  const schedule = createTickScheduler(prune, intervalMs);
  schedule.start(); // the first run is immediate: a daemon restarted after weeks prunes at once
  return {
    runNow: () => schedule.runNow(),
    async stop() {
      await schedule.stop(1_000);
    },
  };
}
