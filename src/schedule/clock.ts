/**
 * The wall-clock jobs: every job that belongs to the clock rather than to the
 * scan interval (retention at `retention.schedule`, the fork-risk audit at
 * `audit.schedule`, the Slack digest at `alerts.slack.digest`), on node-cron,
 * in one `timezone`. The scan tick is not one of them: it stays on its
 * interval chain (scheduler.ts).
 *
 * Each run is guarded: an exception is logged (pino, with the job's name) and
 * the schedule goes on; a job still running when its time comes again is
 * skipped and counted, never run twice at once. start() twice schedules once;
 * stop() removes every task from node-cron's registry.
 */
import { createTask, type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { Logger } from '../util/logger.js';

export interface ClockJob {
  /** Names the job in logs and counts ("retention", "audit", "digest"). */
  name: string;
  /** A cron expression (5 fields, or 6 with seconds first), validated by load.ts. */
  schedule: string;
  /** `firedAt`: the scheduled time this run is for (node-cron's slot, whole seconds). */
  run(firedAt: Date): Promise<unknown> | unknown;
}

export interface ClockJobCounts {
  runs: number;
  failures: number;
  /** Times it came due while the previous run was still going. */
  skipped: number;
}

export interface Clock {
  /** Add a job; before start() or after (then it is scheduled at once if the clock runs). A name is added once. */
  add(job: ClockJob): void;
  start(): void;
  /** Stop scheduling and wait (at most waitMs) for runs in flight. */
  stop(waitMs?: number): Promise<void>;
  counts(name: string): ClockJobCounts | null;
  /** Names of the jobs and their next run, for logs. */
  describe(): { name: string; schedule: string; next: string | null }[];
}

interface Entry {
  job: ClockJob;
  task: ScheduledTask | null;
  inFlight: Promise<void> | null;
  counts: ClockJobCounts;
}

export function createClock(opts: { timezone: string; logger: Logger }): Clock {
  const log = opts.logger.child({ component: 'clock' });
  const entries = new Map<string, Entry>();
  let running = false;

  const fire = (e: Entry, firedAt: Date): void => {
    if (e.inFlight) {
      e.counts.skipped += 1;
      log.warn(
        { job: e.job.name, firedAt: firedAt.toISOString(), skipped: e.counts.skipped },
        'clock: job still running at its next time: this run skipped',
      );
      return;
    }
    e.counts.runs += 1;
    const run = (async () => {
      try {
        await e.job.run(firedAt);
      } catch (err) {
        e.counts.failures += 1;
        log.error(
          { job: e.job.name, firedAt: firedAt.toISOString(), err },
          `clock: job ${e.job.name} failed; its schedule goes on`,
        );
      }
    })();
    e.inFlight = run;
    // Cleared after the assignment even when the job threw synchronously
    // (the async body has then already finished when `run` is assigned).
    void run.finally(() => {
      if (e.inFlight === run) e.inFlight = null;
    });
  };

  const schedule = (e: Entry): void => {
    // The callback never throws or rejects (fire catches), so node-cron's own
    // failure path and its overlap flag are never needed; the task is ours to count.
    e.task = createTask(e.job.schedule, (ctx) => fire(e, ctx.date), {
      name: `forkwatch-${e.job.name}`,
      timezone: opts.timezone,
      unref: true,
      logger: cronLogger(log, e.job.name),
    });
    void e.task.start();
  };

  return {
    add(job) {
      if (entries.has(job.name)) throw new Error(`clock: a job named ${job.name} is already added`);
      const e: Entry = { job, task: null, inFlight: null, counts: { runs: 0, failures: 0, skipped: 0 } };
      entries.set(job.name, e);
      if (running) schedule(e);
    },
    start() {
      if (running) return;
      running = true;
      for (const e of entries.values()) schedule(e);
      log.info({ timezone: opts.timezone, jobs: this.describe() }, 'clock: wall-clock jobs scheduled');
    },
    async stop(waitMs = 1_000) {
      running = false;
      const inFlight: Promise<void>[] = [];
      for (const e of entries.values()) {
        await e.task?.destroy(); // destroy also drops it from node-cron's global registry
        e.task = null;
        if (e.inFlight) inFlight.push(e.inFlight);
      }
      if (inFlight.length === 0) return;
      let t: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(inFlight), new Promise((r) => (t = setTimeout(r, waitMs)))]);
      clearTimeout(t);
    },
    counts: (name) => {
      const e = entries.get(name);
      return e ? { ...e.counts } : null;
    },
    describe: () =>
      [...entries.values()].map((e) => ({
        name: e.job.name,
        schedule: e.job.schedule,
        next: e.task?.getNextRun()?.toISOString() ?? null,
      })),
  };
}

/** node-cron's own messages (a missed run after a stalled event loop) go through pino, structured. */
function cronLogger(log: Logger, job: string): CronLogger {
  return {
    info: (msg) => log.debug({ job }, msg),
    warn: (msg) => log.warn({ job }, `node-cron: ${msg}`),
    error: (msg, err) => log.error({ job, err: err ?? msg }, `node-cron: ${String(msg)}`),
    debug: (msg) => log.debug({ job }, String(msg)),
  };
}
