/**
 * What the daemon shows of itself to its routes and extensions: a snapshot
 * (last scan, last tick, health) and a way to run a tick now. Plain data,
 * produced by src/daemon/ (tick.ts, health.ts), read by expose/ and the
 * extensions.
 */
import type { ScanReport } from '../classify/types.js';
import type { ScanStage } from './metrics.js';

/** Ready: a tick with every stage ok within this many intervals (src/daemon/health.ts). */
export const READY_INTERVALS = 3;
/** A stage "keeps failing" once this many of its runs in a row failed. */
export const FAILING_ATTEMPTS = 3;

export type StageOutcome = 'ok' | 'failed';

export interface TickSummary {
  at: number;
  durationMs: number;
  ok: boolean;
  errors: { stage: ScanStage; message: string }[];
  suspects: number;
  captured: number;
  transitions: { id: string; from: string | null; to: string; signature: string | null }[];
  /** Each stage that ran: failed when any of its runs failed (readiness counts these). */
  stages: Partial<Record<ScanStage, StageOutcome>>;
  /** The stage the tick's deadline passed in (the tick was abandoned there), else null. */
  abandonedIn: ScanStage | null;
  /** Captured evidence held in memory because the store has not taken it yet. */
  unstoredEvidence: number;
}

export interface StageFailureView {
  stage: ScanStage;
  consecutiveFailures: number;
  lastError: string;
}

export interface DaemonHealth {
  live: boolean;
  liveMessage: string;
  ready: boolean;
  readyMessage: string;
  lastCompletedTickAt: number | null;
  lastSuccessAt: number | null;
  /** Stages whose latest run failed, with how many runs in a row failed. */
  failingStages: StageFailureView[];
}

export interface DaemonSnapshot {
  startedAt: number;
  intervalMs: number;
  lastReport: ScanReport | null;
  lastSuccessAt: number | null;
  lastTick: TickSummary | null;
  tickInFlight: boolean;
  /** Liveness and readiness from the ticks (src/daemon/health.ts). */
  health: DaemonHealth;
}

export interface DaemonView {
  snapshot(): DaemonSnapshot;
  /** Run a tick now; waits for an in-flight tick rather than overlapping it. */
  runScan(): Promise<TickSummary>;
}
