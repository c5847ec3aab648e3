/** GET /healthz (the process answers) and GET /readyz (a scan succeeded within 3 intervals). */
import { Type } from '@sinclair/typebox';
import type { ExposeContext, ForkwatchApp } from '../context.js';
import { Nullable } from '../schemas.js';

const READY_INTERVALS = 3;

const Readiness = Type.Object({
  ready: Type.Boolean(),
  lastSuccessfulScan: Nullable(Type.String()),
  message: Type.String(),
});

export function registerHealthRoutes(app: ForkwatchApp, ctx: ExposeContext): void {
  app.get('/healthz', { schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));
  app.get(
    '/readyz',
    { schema: { tags: ['health'], description: `200 when a scan succeeded within ${READY_INTERVALS} intervals, else 503`, response: { 200: Readiness, 503: Readiness } } },
    async (_req, reply) => {
      const snap = ctx.daemon.snapshot();
      const last = snap.lastSuccessAt;
      const ready = last !== null && Date.now() - last <= READY_INTERVALS * snap.intervalMs;
      const message = ready
        ? 'ok'
        : last === null
          ? 'no scan has succeeded yet'
          : `last successful scan is older than ${READY_INTERVALS} intervals (${(READY_INTERVALS * snap.intervalMs) / 1000} s)`;
      return reply.status(ready ? 200 : 503).send({ ready, lastSuccessfulScan: last === null ? null : new Date(last).toISOString(), message });
    },
  );
}
