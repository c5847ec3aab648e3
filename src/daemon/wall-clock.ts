/**
 * The daemon's wall-clock jobs on one Clock (clock.ts), in config.timezone:
 * retention (at start, then `retention.schedule`), the fork-risk audit
 * (`audit.schedule`; its body is set by the audit wiring through
 * setAuditJob, a no-op until then) and the Slack digest
 * (`alerts.slack.digest`, when set; its "at risk" list comes from
 * setAtRiskProvider, empty until then).
 */
import type { Config } from '../config/config.js';
import type { IncidentStore } from '../record/types.js';
import type { Logger } from '../util/logger.js';
import { createClock, type Clock } from '../schedule/clock.js';
import { RETENTION_JOB, startHousekeeping, type Housekeeping } from './housekeeping.js';
import { createDigestJob, DIGEST_JOB } from '../alert/digest.js';
import type { AtRiskProvider, AuditJob, ScheduledJobs } from '../extension/scheduled-jobs.js';

export const AUDIT_JOB = 'audit';

export type { AuditJob } from '../extension/scheduled-jobs.js';

export interface WallClock extends ScheduledJobs {
  /** The running clock (a reconfigure replaces it). */
  readonly clock: Clock;
  /** Retention runs once now, then every job on its schedule. Twice: once. */
  start(): void;
  stop(): Promise<void>;
  housekeeping(): Housekeeping | null;
  /**
   * After a config reload (the config object was updated in place): when the
   * timezone or a schedule changed, the old clock's jobs stop (a run in flight
   * finishes) and a new clock starts each job once. Retention does not run again.
   */
  reconfigure(): Promise<void>;
}

export function createWallClock(opts: { config: Config; store: IncidentStore; logger: Logger }): WallClock {
  const { config, store, logger } = opts;
  let audit: AuditJob | null = null;
  let atRisk: AtRiskProvider | null = null;
  let housekeeping: Housekeeping | null = null;
  let started = false;
  let built = clockShape(config);

  const buildClock = (): Clock => {
    const c = createClock({ timezone: config.timezone, logger });
    c.add({ name: AUDIT_JOB, schedule: config.schedules.audit, run: (firedAt) => audit?.(firedAt) });
    if (config.schedules.digest && config.alerts.slack.webhookUrl) {
      c.add({
        name: DIGEST_JOB,
        schedule: config.schedules.digest,
        run: createDigestJob({ config, store, logger, atRisk: () => atRisk }),
      });
    }
    return c;
  };
  let clock = buildClock();

  return {
    get clock() {
      return clock;
    },
    setAuditJob: (run) => void (audit = run),
    setAtRiskProvider: (p) => void (atRisk = p),
    start() {
      started = true;
      housekeeping ??= startHousekeeping(store, logger, { clock, schedule: config.schedules.retention });
      clock.start();
    },
    stop: () => {
      started = false;
      return clock.stop();
    },
    housekeeping: () => housekeeping,
    async reconfigure() {
      const shape = clockShape(config);
      if (shape === built) return;
      built = shape;
      const old = clock;
      clock = buildClock();
      if (housekeeping)
        clock.add({ name: RETENTION_JOB, schedule: config.schedules.retention, run: housekeeping.runNow });
      await old.stop();
      if (started) clock.start();
      logger.info({ timezone: config.timezone, jobs: clock.describe() }, 'wall-clock jobs rescheduled');
    },
  };
}

/** What the clock is built from: a change means a new clock. */
function clockShape(config: Config): string {
  return JSON.stringify([config.timezone, config.schedules, Boolean(config.alerts.slack.webhookUrl)]);
}
