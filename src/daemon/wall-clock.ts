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
import { startHousekeeping, type Housekeeping } from './housekeeping.js';
import { createDigestJob, DIGEST_JOB, type AtRiskProvider } from '../alert/digest.js';

export const AUDIT_JOB = 'audit';

export type AuditJob = (firedAt: Date) => Promise<unknown> | unknown;

export interface WallClock {
  readonly clock: Clock;
  /** The body of the `audit.schedule` job (replaces the previous one; before or after start). */
  setAuditJob(run: AuditJob): void;
  /** What the digest lists as "watched JVMs at risk" (read at each digest). */
  setAtRiskProvider(provider: AtRiskProvider): void;
  /** Retention runs once now, then every job on its schedule. Twice: once. */
  start(): void;
  stop(): Promise<void>;
  housekeeping(): Housekeeping | null;
}

export function createWallClock(opts: { config: Config; store: IncidentStore; logger: Logger }): WallClock {
  const { config, store, logger } = opts;
  const clock = createClock({ timezone: config.timezone, logger });
  let audit: AuditJob | null = null;
  let atRisk: AtRiskProvider | null = null;
  let housekeeping: Housekeeping | null = null;

  clock.add({ name: AUDIT_JOB, schedule: config.schedules.audit, run: (firedAt) => audit?.(firedAt) });
  if (config.schedules.digest && config.alerts.slack.webhookUrl) {
    clock.add({ name: DIGEST_JOB, schedule: config.schedules.digest, run: createDigestJob({ config, store, logger, atRisk: () => atRisk }) });
  }

  return {
    clock,
    setAuditJob: (run) => void (audit = run),
    setAtRiskProvider: (p) => void (atRisk = p),
    start() {
      housekeeping ??= startHousekeeping(store, logger, { clock, schedule: config.schedules.retention });
      clock.start();
    },
    stop: () => clock.stop(),
    housekeeping: () => housekeeping,
  };
}
