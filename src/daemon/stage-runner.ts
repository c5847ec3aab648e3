/**
 * Runs a tick's stages: a throw (or rejection) becomes a counted, logged
 * failure (forkwatch_scan_errors_total{stage}) and undefined, so the tick
 * carries on. With a deadline signal, a stage still running when it fires is
 * left behind (its promise settles on its own), recorded as failed with a
 * TickDeadlineError naming it, and every later stage of the tick is skipped.
 * Which stages ran and which failed feed readiness (src/daemon/health.ts).
 */
import type { Logger } from '../util/logger.js';
import type { Metrics, ScanStage } from '../extension/metrics.js';
import { TickDeadlineError, isAborted, raceSignal } from './deadline.js';
import type { StageOutcome } from '../extension/daemon-view.js';

export interface StageRunner {
  run<T>(stage: ScanStage, fn: () => T | Promise<T>): Promise<T | undefined>;
  /** Record a failure found outside run() (e.g. a stored-later retry that failed). */
  fail(stage: ScanStage, err: unknown): void;
  readonly errors: { stage: ScanStage; message: string }[];
  /** Per stage that ran this tick: failed if any of its runs failed. */
  outcomes(): Partial<Record<ScanStage, StageOutcome>>;
  /** The stage the deadline passed in, or null. */
  abandonedIn(): ScanStage | null;
}

export interface StageRunnerDeps {
  metrics: Metrics;
  logger: Logger;
  signal?: AbortSignal;
  deadlineMs?: number;
}

export function createStageRunner(deps: StageRunnerDeps): StageRunner {
  const errors: { stage: ScanStage; message: string }[] = [];
  const outcomes: Partial<Record<ScanStage, StageOutcome>> = {};
  let abandoned: ScanStage | null = null;

  const fail = (stage: ScanStage, err: unknown): void => {
    const message = err instanceof Error ? err.message : String(err);
    errors.push({ stage, message });
    outcomes[stage] = 'failed';
    deps.metrics.scanErrors.inc({ stage });
    deps.logger.error({ stage, err }, `tick: ${stage} stage failed: ${message}`);
  };
  const passDeadline = (stage: ScanStage): undefined => {
    if (abandoned === null) {
      abandoned = stage;
      fail(stage, new TickDeadlineError(stage, deps.deadlineMs ?? 0));
    }
    return undefined;
  };

  return {
    async run(stage, fn) {
      if (deps.signal?.aborted) return passDeadline(stage);
      try {
        const v = await raceSignal(fn, deps.signal);
        if (isAborted(v)) return passDeadline(stage);
        outcomes[stage] ??= 'ok';
        return v;
      } catch (err) {
        fail(stage, err);
        return undefined;
      }
    },
    fail,
    errors,
    outcomes: () => ({ ...outcomes }),
    abandonedIn: () => abandoned,
  };
}
