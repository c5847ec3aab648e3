/** GET /metrics: the private registry in the Prometheus text format. */
import type { ExtensionContext, ForkwatchApp } from '../../extension/context.js';

export function registerMetricsRoute(app: ForkwatchApp, ctx: ExtensionContext): void {
  app.get(
    '/metrics',
    { schema: { tags: ['metrics'], description: 'Prometheus text exposition format 0.0.4', produces: ['text/plain'] } },
    async (_req, reply) => {
      const body = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(body);
    },
  );
}
