/**
 * What HTTP routes and daemon extensions get: the daemon's state, the store,
 * metrics, the matcher and the auth hook. Alerts (GET /api/v1/notifications),
 * remediation (POST /api/v1/incidents/:id/kill) and the status page plug in as
 * a DaemonExtension: `routes` registers their routes on the one server, with
 * this context; start/stop follow the daemon; onTransitions is the hand-off
 * after each tick.
 */
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault, preHandlerAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config/config.js';
import type { ScanReport } from '../classify/types.js';
import type { IncidentStore } from '../record/types.js';
import type { Logger } from '../util/logger.js';
import type { MatchPort, Transition } from '../daemon/ports.js';
import type { TickSummary } from '../daemon/tick.js';
import type { DaemonHealth } from '../daemon/health.js';
import type { Metrics } from './metrics.js';

/** The Fastify instance routes are registered on (TypeBox types flow into handlers). */
export type ForkwatchApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

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

export interface ExposeContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  store: IncidentStore;
  daemon: DaemonView;
  matcher: MatchPort | null;
  /** Bearer-token check for routes that change anything: `{ preHandler: ctx.requireToken }`. */
  requireToken: preHandlerAsyncHookHandler;
  /** Per-route rate limit for POST routes: `{ config: { rateLimit: ctx.postRateLimit } }`. */
  postRateLimit: { max: number; timeWindow: number };
}

export type RoutePlugin = (app: ForkwatchApp, ctx: ExposeContext) => void | Promise<void>;

export interface DaemonExtension {
  name: string;
  /** Routes on the daemon's server, registered after the core ones (same error shape, auth, rate limits). */
  routes?: RoutePlugin;
  /** Called once the store is open and before the first tick. */
  start?(ctx: ExposeContext): void | Promise<void>;
  /** After each tick with its incident transitions. Must return at once: delivery is async. */
  onTransitions?(transitions: Transition[], ctx: ExposeContext): void;
  /** After each tick, inside it (ticks stay serialized): e.g. remediation. Errors are logged and counted. */
  afterTick?(summary: TickSummary, ctx: ExposeContext): void | Promise<void>;
  /** On shutdown, before the store closes. */
  stop?(): void | Promise<void>;
  /** After a config reload changed ctx.config in place (and maybe ctx.matcher's library): rebuild what start() derived. */
  reconfigure?(ctx: ExposeContext): void | Promise<void>;
}
