/**
 * Drives ticks every intervalMs, never two at once. A setTimeout chain rather
 * than a cron expression: node-cron 4 patterns cannot express intervals such
 * as 45s or 1.5s, and a chain scheduled from each tick's start keeps the
 * cadence without ever overlapping (a slow tick delays the next one instead).
 * runNow() waits for an in-flight tick, then runs one; callers arriving while
 * one is queued share it. Wall-clock jobs are not ticks: src/schedule/clock.ts.
 */
export interface TickScheduler<T> {
  start(): void;
  /** Run a tick as soon as the in-flight one (if any) has finished. */
  runNow(): Promise<T>;
  /** Stop scheduling; resolves when the in-flight tick ends or after waitMs, whichever is first. */
  stop(waitMs: number): Promise<'idle' | 'finished' | 'abandoned'>;
  busy(): boolean;
  /** A new interval (config reload): the pending wait is re-timed from the last tick's start; still one timer. */
  setIntervalMs(ms: number): void;
}

export function createTickScheduler<T>(tick: () => Promise<T>, initialIntervalMs: number): TickScheduler<T> {
  let intervalMs = initialIntervalMs;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<T> | null = null;
  let queued: Promise<T> | null = null;
  let stopped = true;
  let lastStartAt = 0;

  const runOne = (): Promise<T> => {
    const p = tick().finally(() => {
      if (running === p) running = null;
    });
    running = p;
    return p;
  };

  const request = (): Promise<T> => {
    if (queued) return queued;
    if (!running) return runOne();
    const after = running.then(
      () => undefined,
      () => undefined,
    );
    const q = after.then(() => {
      queued = null;
      return runOne();
    });
    queued = q;
    return q;
  };

  const scheduleNext = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      const startedAt = Date.now();
      lastStartAt = startedAt;
      request().then(
        () => scheduleNext(Math.max(0, intervalMs - (Date.now() - startedAt))),
        () => scheduleNext(intervalMs),
      );
    }, delayMs);
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      scheduleNext(0);
    },
    runNow: request,
    busy: () => running !== null,
    setIntervalMs(ms) {
      intervalMs = ms;
      // Only a pending wait is re-timed; a tick in flight schedules the next one itself when it ends.
      if (stopped || !timer) return;
      clearTimeout(timer);
      timer = null;
      scheduleNext(Math.max(0, intervalMs - (Date.now() - lastStartAt)));
    },
    async stop(waitMs) {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const inflight = queued ?? running;
      if (!inflight) return 'idle';
      let t: NodeJS.Timeout | undefined;
      const timeout = new Promise<'abandoned'>((r) => (t = setTimeout(() => r('abandoned'), waitMs)));
      const done = inflight.then(
        () => 'finished' as const,
        () => 'finished' as const,
      );
      const outcome = await Promise.race([done, timeout]);
      clearTimeout(t);
      return outcome;
    },
  };
}
