/**
 * Liveness and readiness from the ticks (docs/daemon.md "Liveness and
 * readiness"). Live: a tick completed (ended within its deadline) less than
 * livenessWindowMs ago, or the daemon started less than that ago. Ready: a
 * tick with every stage ok within READY_INTERVALS intervals, and no stage
 * whose last FAILING_ATTEMPTS runs all failed (a stage that did not run in a
 * tick, e.g. capture with no suspect, keeps its count). Pure bookkeeping:
 * /healthz, /readyz and the systemd watchdog read view().
 */
import type { ScanStage } from '../extension/metrics.js';
import { formatMs, livenessWindowMs } from './deadline.js';
import {
  FAILING_ATTEMPTS,
  READY_INTERVALS,
  type DaemonHealth,
  type StageFailureView,
  type TickSummary,
} from '../extension/daemon-view.js';

const MAX_ERROR_CHARS = 200;

export interface HealthTracker {
  /** One tick ended; completed: within its deadline (not abandoned). */
  record(summary: TickSummary, completed: boolean, endedAt?: number): void;
  view(now?: number): DaemonHealth;
  /** New interval / tick deadline (config reload); the tick history is kept. */
  reconfigure(timing: { intervalMs: number; deadlineMs: number }): void;
}

export function createHealthTracker(opts: {
  startedAt: number;
  intervalMs: number;
  deadlineMs: number;
}): HealthTracker {
  const timing = { intervalMs: opts.intervalMs, deadlineMs: opts.deadlineMs };
  let windowMs = livenessWindowMs(timing.intervalMs, timing.deadlineMs);
  const failing = new Map<ScanStage, StageFailureView>();
  let lastCompletedAt: number | null = null;
  let lastSuccessAt: number | null = null;
  let lastAbandonedIn: ScanStage | null = null;

  const record: HealthTracker['record'] = (summary, completed, endedAt = Date.now()) => {
    if (completed) lastCompletedAt = endedAt;
    lastAbandonedIn = summary.abandonedIn;
    if (summary.ok) lastSuccessAt = summary.at;
    for (const [stage, outcome] of Object.entries(summary.stages) as [ScanStage, string][]) {
      if (outcome === 'ok') {
        failing.delete(stage);
        continue;
      }
      const lastError = (summary.errors.findLast((e) => e.stage === stage)?.message ?? 'failed').slice(
        0,
        MAX_ERROR_CHARS,
      );
      failing.set(stage, { stage, consecutiveFailures: (failing.get(stage)?.consecutiveFailures ?? 0) + 1, lastError });
    }
  };

  const view: HealthTracker['view'] = (now = Date.now()) => {
    const since = lastCompletedAt ?? opts.startedAt;
    const live = now - since <= windowMs;
    const liveMessage = live
      ? 'ok'
      : `no tick has completed for ${formatMs(now - since)} (limit ${formatMs(windowMs)})` +
        (lastAbandonedIn ? `; the last tick was abandoned at its deadline in the ${lastAbandonedIn} stage` : '');
    const failingStages = [...failing.values()];
    const stuck = failingStages.filter((f) => f.consecutiveFailures >= FAILING_ATTEMPTS);
    const fresh = lastSuccessAt !== null && now - lastSuccessAt <= READY_INTERVALS * timing.intervalMs;
    const ready = live && fresh && stuck.length === 0;
    return {
      live,
      liveMessage,
      ready,
      readyMessage: readyMessage({
        live,
        liveMessage,
        fresh,
        stuck,
        failingStages,
        lastSuccessAt,
        intervalMs: timing.intervalMs,
      }),
      lastCompletedTickAt: lastCompletedAt,
      lastSuccessAt,
      failingStages,
    };
  };
  const reconfigure: HealthTracker['reconfigure'] = (t) => {
    Object.assign(timing, t);
    windowMs = livenessWindowMs(timing.intervalMs, timing.deadlineMs);
  };
  return { record, view, reconfigure };
}

function describe(f: StageFailureView): string {
  return `stage ${f.stage} failing (${f.consecutiveFailures} attempt${f.consecutiveFailures === 1 ? '' : 's'} in a row): ${f.lastError}`;
}

function readyMessage(r: {
  live: boolean;
  liveMessage: string;
  fresh: boolean;
  stuck: StageFailureView[];
  failingStages: StageFailureView[];
  lastSuccessAt: number | null;
  intervalMs: number;
}): string {
  if (r.stuck.length > 0) return [...r.stuck.map(describe), ...(r.live ? [] : [r.liveMessage])].join('; ');
  if (!r.live) return r.liveMessage;
  if (r.fresh) return 'ok';
  const why =
    r.lastSuccessAt === null
      ? 'no scan has succeeded yet'
      : `last successful scan is older than ${READY_INTERVALS} intervals (${formatMs(READY_INTERVALS * r.intervalMs)})`;
  return r.failingStages.length > 0 ? `${why}; ${r.failingStages.map(describe).join('; ')}` : why;
}
