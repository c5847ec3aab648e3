/**
 * GET /api/v1/incidents/:id/core: the hung child's core file (gcore output),
 * bearer token required: it is a copy of a production JVM's memory
 * (credentials, tokens, keys). 404 when the incident has no core file
 * (none taken, refused, or removed by the retention sweep).
 */
import { createReadStream, statSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import type { CoreResult } from '../capture/core.js';
import type { ExposeContext, ForkwatchApp } from '../expose/context.js';
import { HttpError, incidentOr404 } from '../expose/errors.js';
import { errorResponses, IdParams } from '../expose/schemas.js';
import { CORE_RESULT_KEY } from './build.js';

export function registerCoreRoute(app: ForkwatchApp, ctx: ExposeContext): void {
  app.get(
    '/api/v1/incidents/:id/core',
    {
      preHandler: ctx.requireToken,
      schema: {
        tags: ['incidents'],
        security: [{ bearer: [] }],
        description: "The hung child's core (core.enabled; gcore output, application/octet-stream). Token required: it holds the JVM's memory.",
        params: IdParams,
        response: { 200: Type.Unknown({ description: 'the ELF core file' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const incident = incidentOr404(ctx.store, req.params.id);
      const core = incident.evidence.extra?.[CORE_RESULT_KEY] as CoreResult | undefined;
      if (!core?.path || core.deletedAt !== undefined) throw new HttpError(404, `incident ${incident.id} has no core file${core ? ` (${core.deletedReason ?? core.reason ?? core.outcome})` : ''}`);
      let size: number;
      try {
        size = statSync(core.path).size;
      } catch {
        throw new HttpError(404, `incident ${incident.id}: its core file is gone from ${core.path}`);
      }
      void reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', String(size))
        .header('content-disposition', `attachment; filename="forkwatch-core-${incident.id}.${core.pid}"`);
      return reply.send(createReadStream(core.path));
    },
  );
}
