/**
 * The daemon: one tick = scan → classify → capture → match → record →
 * alert/expose (src/daemon/tick.ts), every config.interval, never two at
 * once, each within a deadline (src/daemon/deadline.ts: past it the tick is
 * abandoned, its captures aborted, and the schedule goes on); liveness and
 * readiness from the ticks (src/daemon/health.ts); the HTTP server
 * (src/expose/server.ts) with the core routes and each extension's; graceful
 * stop (bounded wait for a tick, close the server, stop extensions, close the
 * store).
 */
import type { Config } from '../config/config.js';
import type { IncidentStore } from '../record/types.js';
import type { Logger } from '../util/logger.js';
import type { DaemonExtension, ExtensionContext, ForkwatchApp } from '../extension/context.js';
import type { DaemonSnapshot } from '../extension/daemon-view.js';
import { createMetrics, type Metrics } from '../extension/metrics.js';
import { buildServer } from '../expose/server.js';
import { createRequireToken } from '../expose/auth.js';
import type { DaemonStages } from '../stages/ports.js';
import type { Transition } from '../record/transition.js';
import { createTickMemory } from './tick-deps.js';
import { runTick } from './tick.js';
import { type TickSummary } from '../extension/daemon-view.js';
import { createTickScheduler } from './scheduler.js';
import { handOff, runAfterTick, stopExtensions } from '../extension/hand-off.js';
import { createWallClock, type WallClock } from './wall-clock.js';
import { collectAfterFullScan } from './heap.js';
import { isAborted, raceSignal, startDeadline, tickDeadlineMs } from './deadline.js';
import { createHealthTracker } from './health.js';

export type { DaemonExtension, ExtensionContext, RoutePlugin, ForkwatchApp } from '../extension/context.js';
export type { Transition } from '../record/transition.js';
export type { TickSummary } from '../extension/daemon-view.js';

export interface DaemonOptions {
  config: Config;
  logger: Logger;
  store: IncidentStore;
  stages: DaemonStages;
  metrics?: Metrics;
  extensions?: DaemonExtension[];
  /** Bound on waiting for an in-flight tick at stop (default: capture timeout + 2 s, at most 30 s). */
  stopWaitMs?: number;
  /** A tick running longer is abandoned (default: tickDeadlineMs(config), src/daemon/deadline.ts). */
  tickDeadlineMs?: number;
  /** POST route rate limit (default 30 per minute per client). */
  postRateLimit?: { max: number; timeWindow: number };
}

export interface Daemon {
  readonly context: ExtensionContext;
  /** The HTTP app (built by start(), or by buildApp() for tests without listening). */
  app(): ForkwatchApp | null;
  buildApp(): Promise<ForkwatchApp>;
  /** Build the server, listen on config.listen, start extensions and the schedule. Returns the bound address. */
  start(opts?: { listen?: boolean; schedule?: boolean }): Promise<{ host: string; port: number } | null>;
  runScan(): Promise<TickSummary>;
  stop(): Promise<void>;
  /** The wall-clock jobs (retention, audit, digest): the audit wiring calls setAuditJob / setAtRiskProvider. */
  readonly wallClock: WallClock;
  /**
   * Config reload (src/daemon/reload.ts decides what may change live): `next`
   * is copied into the running config object in place, so every stage holding
   * it sees the new values from its next read; the tick chain, health, wall
   * clock and extensions re-time or rebuild what they derived from it.
   */
  reconfigure(next: Config): Promise<void>;
}

export function createDaemon(opts: DaemonOptions): Daemon {
  const { config, logger, store } = opts;
  const metrics = opts.metrics ?? createMetrics();
  const extensions = opts.extensions ?? [];
  for (const ext of extensions) ext.registerMetrics?.(metrics.registry);
  const mem = createTickMemory();
  const startedAt = Date.now();
  let app: ForkwatchApp | null = null;
  let stopping: Promise<void> | null = null;
  const wallClock = createWallClock({ config, logger, store });

  let deadlineMs = opts.tickDeadlineMs ?? tickDeadlineMs(config);
  const health = createHealthTracker({ startedAt, intervalMs: config.intervalMs, deadlineMs });

  const notify = (transitions: Transition[]): void => handOff(extensions, transitions, context);
  const tick = async (): Promise<TickSummary> => {
    const before = mem.lastReport;
    const deadline = startDeadline(deadlineMs);
    try {
      const summary = await runTick(
        {
          ...opts.stages,
          store,
          metrics,
          logger,
          notify,
          signal: deadline.signal,
          deadlineMs,
          secondLook: config.capture.secondLook,
        },
        mem,
      );
      if (isAborted(await raceSignal(() => runAfterTick(extensions, summary, context), deadline.signal))) {
        logger.error(
          { deadlineMs },
          'tick: after-tick extensions were still running at the tick deadline: tick abandoned',
        );
      }
      health.record(summary, !deadline.signal.aborted);
      if (mem.lastReport !== before && mem.lastReport?.stats.mode === 'full') collectAfterFullScan();
      return summary;
    } finally {
      deadline.clear();
    }
  };
  const scheduler = createTickScheduler(tick, config.intervalMs);

  const snapshot = (): DaemonSnapshot => ({
    startedAt,
    intervalMs: config.intervalMs,
    lastReport: mem.lastReport,
    lastSuccessAt: mem.lastSuccessAt,
    lastTick: mem.lastTick,
    tickInFlight: scheduler.busy(),
    health: health.view(),
  });
  const context: ExtensionContext = {
    config,
    logger,
    metrics,
    store,
    daemon: { snapshot, runScan: () => scheduler.runNow() },
    matcher: opts.stages.matcher,
    requireToken: createRequireToken(config.authToken),
    postRateLimit: opts.postRateLimit ?? { max: 30, timeWindow: 60_000 },
  };

  const buildApp = async (): Promise<ForkwatchApp> => {
    if (!app)
      app = await buildServer(
        context,
        extensions.flatMap((e) => (e.routes ? [e.routes] : [])),
      );
    return app;
  };

  const stopWaitMs = opts.stopWaitMs ?? Math.min(30_000, config.capture.timeoutMs + 2_000);

  return {
    context,
    app: () => app,
    buildApp,
    runScan: () => scheduler.runNow(),
    wallClock,
    async reconfigure(next) {
      Object.assign(config, next);
      deadlineMs = opts.tickDeadlineMs ?? tickDeadlineMs(config);
      health.reconfigure({ intervalMs: config.intervalMs, deadlineMs });
      scheduler.setIntervalMs(config.intervalMs);
      await wallClock.reconfigure();
      for (const ext of extensions) await ext.reconfigure?.(context);
    },
    async start(o = {}) {
      const server = await buildApp();
      for (const ext of extensions) await ext.start?.(context);
      const address = o.listen === false ? null : await listen(server, config, logger);
      if (o.schedule !== false) {
        scheduler.start();
        wallClock.start();
      }
      logger.info(
        {
          intervalMs: config.intervalMs,
          tickDeadlineMs: deadlineMs,
          hungAfterMs: config.hungAfterMs,
          targets: config.targets.map((t) => t.name),
          store: store.path,
        },
        'forkwatch running',
      );
      return address;
    },
    stop() {
      stopping ??= (async () => {
        const tickOutcome = await scheduler.stop(stopWaitMs);
        if (tickOutcome === 'abandoned')
          logger.warn({ waitedMs: stopWaitMs }, 'stopping with a tick still running (abandoned)');
        await wallClock.stop();
        if (app) await app.close().catch((err: unknown) => logger.error({ err }, 'closing the HTTP server failed'));
        await stopExtensions(extensions, context);
        try {
          store.close();
        } catch (err) {
          logger.error({ err }, 'closing the incident store failed');
        }
        logger.info('forkwatch stopped');
      })();
      return stopping;
    },
  };
}

async function listen(
  server: ForkwatchApp,
  config: Config,
  logger: Logger,
): Promise<{ host: string; port: number } | null> {
  await server.listen({ host: config.listen.host, port: config.listen.port });
  const a = server.server.address();
  const address = a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
  logger.info({ listen: address }, `forkwatch API on http://${address?.host}:${address?.port}`);
  return address;
}
