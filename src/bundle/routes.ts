/**
 * The bundle extension's routes. GET /api/v1/incidents/:id/bundle: the
 * incident's evidence bundle (src/bundle/build.ts) as one JSON download. No
 * token, like GET /api/v1/incidents/:id, which already carries the same
 * evidence.
 *
 * GET /api/v1/incidents/:id/core: the hung child's core file (gcore output),
 * bearer token required: it is a copy of a production JVM's memory
 * (credentials, tokens, keys). 404 when the incident has no core file
 * (none taken, refused, or removed by the retention sweep).
 */
import { createReadStream, statSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import type { CoreResult } from '../capture/core.js';
import type { ExtensionContext, ForkwatchApp } from '../extension/context.js';
import { HttpError, incidentOr404 } from '../expose/errors.js';
import { errorResponses, IdParams } from '../expose/schemas.js';
import { buildBundle, bundleFileName } from './build.js';
import { CORE_RESULT_KEY } from '../record/extra-keys.js';
import { collectHostFacts } from '../capture/host-facts.js';
import { VERSION } from '../version.js';

export function registerCoreRoute(app: ForkwatchApp, ctx: ExtensionContext): void {
  app.get(
    '/api/v1/incidents/:id/core',
    {
      preHandler: ctx.requireToken,
      schema: {
        tags: ['incidents'],
        security: [{ bearer: [] }],
        description:
          "The hung child's core (core.enabled; gcore output, application/octet-stream). Token required: it holds the JVM's memory.",
        params: IdParams,
        response: { 200: Type.Unknown({ description: 'the ELF core file' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const incident = incidentOr404(ctx.store, req.params.id);
      const core = incident.evidence.extra?.[CORE_RESULT_KEY] as CoreResult | undefined;
      if (!core?.path || core.deletedAt !== undefined)
        throw new HttpError(
          404,
          `incident ${incident.id} has no core file${core ? ` (${core.deletedReason ?? core.reason ?? core.outcome})` : ''}`,
        );
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

export function registerBundleRoute(app: ForkwatchApp, ctx: ExtensionContext): void {
  app.get(
    '/api/v1/incidents/:id/bundle',
    {
      schema: {
        tags: ['incidents'],
        description:
          "The incident's evidence bundle: child stack (raw and parsed), kernel evidence, forking thread (Java and native), signature and fingerprint, process facts, forkwatch, host and JDK facts, audit trail.",
        params: IdParams,
        response: {
          200: Type.Unknown({ description: 'forkwatch-evidence-bundle/1 (docs/remediation.md)' }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const incident = incidentOr404(ctx.store, req.params.id);
      const bundle = buildBundle(incident, {
        version: VERSION,
        host: collectHostFacts(),
        now: Date.now(),
        coreEnabled: ctx.config.core.enabled,
      });
      void reply.header('content-disposition', `attachment; filename="${bundleFileName(incident.id)}"`);
      return bundle;
    },
  );
}
