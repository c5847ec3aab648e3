/**
 * The HTTP server: Fastify 5, schema-first (TypeBox), one error shape, an
 * OpenAPI document at /openapi.json. Core routes first, then each extension's
 * routes. What bounds and guards every request is installed here, once, so a
 * new route gets it without asking (guard.ts, disclosure.ts): the Host
 * allow-list on loopback, a global in-flight cap, a per-client rate limit on
 * every route but the probes, the bearer token checked in onRequest (before
 * the body is read), and secrets and raw kernel evidence out of responses.
 */
import Fastify, { LogController, type FastifyReply, type RouteOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import rateLimit from '@fastify/rate-limit';
import { VERSION } from '../version.js';
import type { ExtensionContext, ForkwatchApp, RoutePlugin } from '../extension/context.js';
import { errorBody, ErrorSchema, HttpError, installErrorHandlers } from './errors.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerTargetRoutes } from './routes/targets.js';
import { registerIncidentRoutes } from './routes/incidents.js';
import { registerSignatureRoutes } from './routes/signatures.js';
import { registerScanRoute } from './routes/scan.js';
import { registerDocsRoutes } from './routes/docs.js';
import {
  allowedHosts,
  createAuthorizedMark,
  createConcurrencyCap,
  createRefusalPause,
  createHostCheck,
  createWriteCounter,
  isInProcess,
  isLoopbackHost,
  UNLIMITED_PATHS,
} from './guard.js';
import { discloseTo } from './disclosure.js';

/** Default body limit for routes that do not set their own (JSON bodies are small). */
const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Requests in flight at once (probes and in-process requests excepted); past it, 503 + Retry-After. */
export const MAX_IN_FLIGHT = 32;
export const BUSY_RETRY_AFTER_S = 1;
/** 429 and 503-with-Retry-After answers wait this long (guard.ts createRefusalPause), at most this many at once. */
export const REFUSAL_DELAY_MS = 1000;
export const MAX_DELAYED_REFUSALS = 4096;
/**
 * Per client address, all routes together but the probes and the POST routes
 * (which have their own). A one-second window: the burst a client may send at
 * once is what bounds the event loop (synchronous store reads), and a page
 * open in a browser asks for a few requests a second at most.
 */
export const GET_RATE_LIMIT = { max: 30, timeWindow: 1000 };
/** /metrics, per client address, its own bucket: a scrape every 15-30 s from each Prometheus (an HA pair, a manual curl) fits many times. */
export const METRICS_RATE_LIMIT = { max: 10, timeWindow: 1000 };

export const CORE_ROUTES: RoutePlugin[] = [
  registerMetricsRoute,
  registerHealthRoutes,
  registerTargetRoutes,
  registerIncidentRoutes,
  registerSignatureRoutes,
  registerScanRoute,
  registerDocsRoutes,
];

export async function buildServer(ctx: ExtensionContext, extraRoutes: RoutePlugin[] = []): Promise<ForkwatchApp> {
  const app = Fastify({
    loggerInstance: ctx.logger.child({ component: 'http' }),
    // Per-request log lines would dominate the log at one scrape per 15 s; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Bad URLs and over-long path parameters are answered by the router itself: keep the one error shape.
    frameworkErrors: (err, _req, reply) => {
      const statusCode = (err as { statusCode?: number }).statusCode ?? 400;
      return (reply as FastifyReply).status(statusCode).send(errorBody(statusCode, err.message));
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as ForkwatchApp;
  installErrorHandlers(app);
  installGuards(app, ctx);
  app.addSchema(ErrorSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'forkwatch',
        version: VERSION,
        description: "Jenkins JVM children that forked but never exec'd: incidents, scan state, metrics.",
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(rateLimit, {
    // One bucket per client address for every route without its own limit (the POST routes set theirs).
    global: true,
    max: GET_RATE_LIMIT.max,
    timeWindow: GET_RATE_LIMIT.timeWindow,
    // The status page reads the API in process (app.inject): one page view is one request, not five.
    allowList: (req) => req.method !== 'POST' && isInProcess(req),
    errorResponseBuilder: (_req, c) =>
      new HttpError(429, `rate limit exceeded: at most ${c.max} requests per ${c.after}`),
  });
  installTokenFirst(app, ctx);
  for (const routes of [...CORE_ROUTES, ...extraRoutes]) await routes(app, ctx);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, in order (the security tests walk it, so a new route is covered). */
    routeList: RouteEntry[];
  }
}

const listOf = (h: unknown): unknown[] => (h == null ? [] : Array.isArray(h) ? [...(h as unknown[])] : [h]);

function installGuards(app: ForkwatchApp, ctx: ExtensionContext): void {
  app.decorateRequest('authorized', false);
  // JSON bodies only: text/plain (and form posts) are the "simple" requests another site can send.
  app.removeContentTypeParser('text/plain');
  const routes: RouteEntry[] = [];
  app.decorate('routeList', routes);
  app.addHook('onRoute', (route) => {
    for (const method of listOf(route.method)) routes.push({ method: String(method), url: route.url });
  });
  if (isLoopbackHost(ctx.config.listen.host))
    app.addHook('onRequest', createHostCheck(allowedHosts(ctx.config.publicUrl)));
  app.decorateRequest('releaseSlot', null);
  app.addHook('onRequest', createConcurrencyCap(MAX_IN_FLIGHT, BUSY_RETRY_AFTER_S).hook);
  app.addHook('onSend', createRefusalPause(REFUSAL_DELAY_MS, MAX_DELAYED_REFUSALS));
  app.addHook('onRequest', createAuthorizedMark(ctx.config.authToken));
  const writes = createWriteCounter();
  app.decorate('writesDone', writes.count);
  app.addHook('onResponse', writes.hook);
  // Runs before @fastify/rate-limit's own onRoute hook (registered after this), which reads config.rateLimit.
  app.addHook('onRoute', (route) => {
    if (!UNLIMITED_PATHS.has(route.url)) return;
    // /metrics gets its own bucket (Prometheus shares 127.0.0.1 with every other local client, and must not be starved
    // by them), small enough that flooding it cannot stall the event loop (it costs ~0.5 ms); the probes are free.
    route.config = {
      ...(route.config ?? {}),
      rateLimit: route.url === '/metrics' ? METRICS_RATE_LIMIT : false,
    } as RouteOptions['config'];
  });
  app.addHook('preSerialization', async (req, _reply, payload) => discloseTo(payload, req.authorized));
}

/**
 * The token check moves from preHandler (after body validation) to the end of
 * onRequest: after the rate limit (failed guesses count), before the body is
 * read or validated (an unauthenticated request with a bad body gets 401).
 * Registered after @fastify/rate-limit, whose onRoute hook appends its own.
 */
function installTokenFirst(app: ForkwatchApp, ctx: ExtensionContext): void {
  app.addHook('onRoute', (route) => {
    const pre = listOf(route.preHandler);
    if (!pre.includes(ctx.requireToken) && !declaresBearer(route.schema)) return;
    route.preHandler = pre.filter((h) => h !== ctx.requireToken) as RouteOptions['preHandler'];
    route.onRequest = [...listOf(route.onRequest), ctx.requireToken] as RouteOptions['onRequest'];
  });
}

function declaresBearer(schema: unknown): boolean {
  const security = (schema as { security?: Record<string, unknown>[] } | undefined)?.security;
  return Array.isArray(security) && security.some((s) => s && 'bearer' in s);
}

export { errorBody };
