/**
 * The HTTP server: Fastify 5, schema-first (TypeBox), one error shape, an
 * OpenAPI document at /openapi.json, rate limits on POST routes, bearer token
 * on mutating ones. Core routes first, then each extension's routes.
 */
import Fastify, { LogController, type FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import rateLimit from '@fastify/rate-limit';
import { VERSION } from '../version.js';
import type { ExposeContext, ForkwatchApp, RoutePlugin } from './context.js';
import { errorBody, ErrorSchema, HttpError, installErrorHandlers } from './errors.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerTargetRoutes } from './routes/targets.js';
import { registerIncidentRoutes } from './routes/incidents.js';
import { registerSignatureRoutes } from './routes/signatures.js';
import { registerScanRoute } from './routes/scan.js';

/** Default body limit for routes that do not set their own (JSON bodies are small). */
const DEFAULT_BODY_LIMIT = 64 * 1024;

export const CORE_ROUTES: RoutePlugin[] = [
  registerMetricsRoute,
  registerHealthRoutes,
  registerTargetRoutes,
  registerIncidentRoutes,
  registerSignatureRoutes,
  registerScanRoute,
];

export async function buildServer(ctx: ExposeContext, extraRoutes: RoutePlugin[] = []): Promise<ForkwatchApp> {
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
  app.addSchema(ErrorSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'forkwatch', version: VERSION, description: "Jenkins JVM children that forked but never exec'd: incidents, scan state, metrics." },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, c) => new HttpError(429, `rate limit exceeded: at most ${c.max} requests per ${c.after}`),
  });
  for (const routes of [...CORE_ROUTES, ...extraRoutes]) await routes(app, ctx);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

export { errorBody };
