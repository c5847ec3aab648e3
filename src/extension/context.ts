/**
 * What HTTP routes and daemon extensions get: the daemon's state, the store,
 * metrics, the matcher and the auth hook. Alerts (GET /api/v1/notifications),
 * remediation (POST /api/v1/incidents/:id/kill) and the status page plug in as
 * a DaemonExtension: `registerMetrics` puts its metrics on the daemon's
 * registry; `routes` registers their routes on the one server, with this
 * context; start/stop follow the daemon; onTransitions is the hand-off after
 * each tick.
 */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  preHandlerAsyncHookHandler,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { IncidentStore } from '../record/types.js';
import type { Logger } from '../util/logger.js';
import type { MatchPort } from '../match/port.js';
import type { Transition } from '../record/transition.js';
import type { Metrics } from './metrics.js';
import type { DaemonView, TickSummary } from './daemon-view.js';

/** The Fastify instance routes are registered on (TypeBox types flow into handlers). */
export type ForkwatchApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ExtensionContext {
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

export type RoutePlugin = (app: ForkwatchApp, ctx: ExtensionContext) => void | Promise<void>;

export interface DaemonExtension {
  name: string;
  /**
   * Called once when the daemon is built, before routes and start: register this extension's metrics (its own
   * metrics.ts) on the daemon's registry, the same whatever the config enables, so /metrics shows them from the start.
   */
  registerMetrics?(registry: Registry): void;
  /** Routes on the daemon's server, registered after the core ones (same error shape, auth, rate limits). */
  routes?: RoutePlugin;
  /** Called once the store is open and before the first tick. */
  start?(ctx: ExtensionContext): void | Promise<void>;
  /** After each tick with its incident transitions. Must return at once: delivery is async. */
  onTransitions?(transitions: Transition[], ctx: ExtensionContext): void;
  /** After each tick, inside it (ticks stay serialized): e.g. remediation. Errors are logged and counted. */
  afterTick?(summary: TickSummary, ctx: ExtensionContext): void | Promise<void>;
  /** On shutdown, before the store closes. */
  stop?(): void | Promise<void>;
  /** After a config reload changed ctx.config in place (and maybe ctx.matcher's library): rebuild what start() derived. */
  reconfigure?(ctx: ExtensionContext): void | Promise<void>;
}
