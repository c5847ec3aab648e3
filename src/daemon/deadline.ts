/**
 * The tick deadline and the liveness window (docs/daemon.md "Liveness").
 * A tick normally takes milliseconds; only a new suspect's examination (two
 * samples 1 s apart, then capture.timeout, and a thread dump when enabled)
 * legitimately takes seconds, and after it a second look (one capture,
 * src/daemon/second-look.ts). The
 * deadline leaves room for that twice over: a tick still running past it is
 * abandoned (recorded as failed in the stage it was in, its captures aborted)
 * and the next tick runs. /healthz and the systemd watchdog count only ticks
 * that finished within their deadline: a daemon whose ticks keep being
 * abandoned is not live.
 */
import type { Config } from '../config/config.js';
import { SAMPLE_GAP_MS } from '../capture/capturer.js';

/** Liveness: a tick must have completed within this many intervals (never less than one deadline + one interval). */
export const LIVENESS_INTERVALS = 3;
/** Slack on top of the captures' own timeouts (process start, kernel reads, store writes). */
const DEADLINE_SLACK_MS = 5_000;

type DeadlineConfig = Pick<Config, 'intervalMs' | 'capture' | 'threadDump'>;

/**
 * 2 × the longer of the interval and one suspect's examination (the 1 s
 * between a new suspect's first two samples, capture.timeout, +
 * threadDump.timeout when enabled), + 5 s.
 */
export function tickDeadlineMs(config: DeadlineConfig): number {
  const captureMs =
    SAMPLE_GAP_MS + config.capture.timeoutMs + (config.threadDump.enabled ? config.threadDump.timeoutMs : 0);
  return 2 * Math.max(config.intervalMs, captureMs) + DEADLINE_SLACK_MS;
}

/** How long the daemon stays live without a completed tick. */
export function livenessWindowMs(intervalMs: number, deadlineMs: number): number {
  return Math.max(LIVENESS_INTERVALS * intervalMs, deadlineMs + intervalMs);
}

/** Thrown into the stage that was running when the tick's deadline passed. */
export class TickDeadlineError extends Error {
  constructor(
    readonly stage: string,
    readonly deadlineMs: number,
  ) {
    super(
      `tick deadline (${formatMs(deadlineMs)}) passed during the ${stage} stage: tick abandoned, in-flight captures aborted`,
    );
    this.name = 'TickDeadlineError';
  }
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}

/** An AbortSignal that fires deadlineMs from now; clear() when the tick ends first. */
export function startDeadline(deadlineMs: number): { signal: AbortSignal; clear(): void } {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), deadlineMs);
  return { signal: ac.signal, clear: () => clearTimeout(timer) };
}

const ABORTED = Symbol('aborted');

/** fn's value, or ABORTED as soon as the signal fires (fn's promise is left to settle on its own). */
export async function raceSignal<T>(
  fn: () => T | Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | typeof ABORTED> {
  if (!signal) return fn();
  if (signal.aborted) return ABORTED;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

export function isAborted(v: unknown): v is typeof ABORTED {
  return v === ABORTED;
}
