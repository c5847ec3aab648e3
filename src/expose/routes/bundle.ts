/**
 * GET /api/v1/incidents/:id/bundle: the incident's evidence bundle
 * (src/bundle/build.ts) as one JSON download. No token, like GET
 * /api/v1/incidents/:id, which already carries the same evidence.
 */
import { Type } from '@sinclair/typebox';
import { buildBundle, bundleFileName } from '../../bundle/build.js';
import { collectHostFacts } from '../../bundle/host-facts.js';
import { VERSION } from '../../version.js';
import type { ExposeContext, ForkwatchApp } from '../context.js';
import { incidentOr404 } from '../errors.js';
import { errorResponses, IdParams } from '../schemas.js';

export function registerBundleRoute(app: ForkwatchApp, ctx: ExposeContext): void {
  app.get(
    '/api/v1/incidents/:id/bundle',
    {
      schema: {
        tags: ['incidents'],
        description: "The incident's evidence bundle: child stack (raw and parsed), kernel evidence, forking thread (Java and native), signature and fingerprint, process facts, forkwatch, host and JDK facts, audit trail.",
        params: IdParams,
        response: { 200: Type.Unknown({ description: 'forkwatch-evidence-bundle/1 (docs/remediation.md)' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const incident = incidentOr404(ctx.store, req.params.id);
      const bundle = buildBundle(incident, { version: VERSION, host: collectHostFacts(), now: Date.now(), coreEnabled: ctx.config.core.enabled });
      void reply.header('content-disposition', `attachment; filename="${bundleFileName(incident.id)}"`);
      return bundle;
    },
  );
}
