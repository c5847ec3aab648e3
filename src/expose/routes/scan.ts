/** POST /api/v1/scan: run a tick now (waits for an in-flight tick rather than overlapping it). Bearer token. */
import { Type } from '@sinclair/typebox';
import type { ExtensionContext, ForkwatchApp } from '../../extension/context.js';
import { errorResponses, Nullable } from '../schemas.js';

const TickResponse = Type.Object({
  at: Type.String(),
  durationMs: Type.Number(),
  ok: Type.Boolean(),
  errors: Type.Array(Type.Object({ stage: Type.String(), message: Type.String() })),
  suspects: Type.Integer(),
  captured: Type.Integer(),
  transitions: Type.Array(
    Type.Object({
      id: Type.String(),
      from: Nullable(Type.String()),
      to: Type.String(),
      signature: Nullable(Type.String()),
    }),
  ),
});

export function registerScanRoute(app: ForkwatchApp, ctx: ExtensionContext): void {
  app.post(
    '/api/v1/scan',
    {
      preHandler: ctx.requireToken,
      config: { rateLimit: ctx.postRateLimit },
      schema: { tags: ['scan'], security: [{ bearer: [] }], response: { 200: TickResponse, ...errorResponses } },
    },
    async () => {
      const t = await ctx.daemon.runScan();
      return { ...t, at: new Date(t.at).toISOString() };
    },
  );
}
