/**
 * GET /healthz (liveness: a tick completed within the liveness window) and
 * GET /readyz (a scan succeeded within 3 intervals and no stage keeps
 * failing). Semantics in src/daemon/health.ts and docs/daemon.md.
 */
import { Type } from '@sinclair/typebox';
import type { ExtensionContext, ForkwatchApp } from '../../extension/context.js';
import { Nullable } from '../schemas.js';
import { FAILING_ATTEMPTS, READY_INTERVALS } from '../../extension/daemon-view.js';
import { SCAN_STAGES } from '../../extension/metrics.js';

const Liveness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
  message: Type.Optional(Type.String()),
  lastCompletedTick: Type.Optional(Nullable(Type.String())),
});

const FailingStage = Type.Object({
  stage: Type.Union(SCAN_STAGES.map((s) => Type.Literal(s))),
  consecutiveFailures: Type.Integer(),
  lastError: Type.String(),
});

const Readiness = Type.Object({
  ready: Type.Boolean(),
  lastSuccessfulScan: Nullable(Type.String()),
  message: Type.String(),
  failingStages: Type.Array(FailingStage),
});

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

export function registerHealthRoutes(app: ForkwatchApp, ctx: ExtensionContext): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        description:
          'Liveness: 200 while ticks keep completing within their deadline, 503 (with a message) when none has for the liveness window',
        response: { 200: Liveness, 503: Liveness },
      },
    },
    async (_req, reply) => {
      const h = ctx.daemon.snapshot().health;
      if (h.live) return { status: 'ok' as const };
      return reply
        .status(503)
        .send({ status: 'failing' as const, message: h.liveMessage, lastCompletedTick: iso(h.lastCompletedTickAt) });
    },
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        description: `200 when a scan succeeded within ${READY_INTERVALS} intervals and no stage failed its last ${FAILING_ATTEMPTS} runs, else 503 naming why`,
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_req, reply) => {
      const h = ctx.daemon.snapshot().health;
      return reply.status(h.ready ? 200 : 503).send({
        ready: h.ready,
        lastSuccessfulScan: iso(h.lastSuccessAt),
        message: h.readyMessage,
        failingStages: h.failingStages,
      });
    },
  );
}
