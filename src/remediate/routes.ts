/**
 * POST /api/v1/incidents/:id/kill (bearer token): an operator asks forkwatch
 * to SIGKILL the incident's hung child, with the same safety checks as the
 * daemon's own remediation (src/remediate). remediation.mode decides what
 * happens: off → 403 (nothing is read or sent); dry-run → 200, checks run and
 * recorded, nothing sent; kill → 200 killed. 409 when the incident is not
 * confirmed or the process no longer is the incident's hung child (identity,
 * ancestry, image or blocked state changed; a pid that died meanwhile). The
 * remediation.signatures / minAge policy is for the daemon only: a person
 * decided here. Every request that reaches the checks is an audit record.
 */
import { Type } from '@sinclair/typebox';
import type { ActRequest, ActResult } from './act.js';
import type { ExtensionContext, ForkwatchApp } from '../extension/context.js';
import { errorBody, HttpError } from '../expose/errors.js';
import { errorResponses, IdParams, Nullable } from '../expose/schemas.js';

const KillBody = Type.Union([
  Type.Object(
    { reason: Type.Optional(Type.String({ maxLength: 500, description: 'kept in the audit record' })) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

const KillResponse = Type.Object({
  incident: Type.String(),
  state: Type.String(),
  mode: Type.String(),
  outcome: Type.String({ description: 'killed | skipped (dry-run) | refused | failed' }),
  message: Type.String(),
  pid: Type.Integer(),
  checksPassed: Type.Array(Type.String()),
  audit: Type.Object({
    at: Type.Number(),
    action: Type.String(),
    mode: Nullable(Type.String()),
    outcome: Type.String(),
    detail: Type.String(),
  }),
});

export type ActFn = (req: ActRequest) => ActResult;

export function killRoute(act: ActFn) {
  return function registerKillRoute(app: ForkwatchApp, ctx: ExtensionContext): void {
    app.post(
      '/api/v1/incidents/:id/kill',
      {
        preHandler: ctx.requireToken,
        config: { rateLimit: ctx.postRateLimit },
        schema: {
          tags: ['incidents'],
          security: [{ bearer: [] }],
          description:
            "SIGKILL the incident's hung child after re-verifying it (403 when remediation.mode is off; dry-run records the decision only).",
          params: IdParams,
          body: Type.Optional(KillBody),
          response: { 200: KillResponse, 409: errorResponses[400], ...errorResponses },
        },
      },
      async (req, reply) => {
        const mode = ctx.config.remediation.mode;
        if (mode === 'off')
          throw new HttpError(
            403,
            'remediation.mode is off on this forkwatch: set remediation.mode to dry-run or kill to allow kills through the API',
          );
        const reason = req.body?.reason ? `operator: ${req.body.reason}` : 'operator request through the API';
        const r = act({ incidentId: req.params.id, mode, action: 'operator-kill', actor: `api:${req.ip}`, reason });
        if (r.outcome === 'refused') throw new HttpError(409, r.detail);
        if (r.outcome === 'failed') {
          const gone = (r.audit.data as { error?: string } | null | undefined)?.error === 'ESRCH';
          if (gone) throw new HttpError(409, r.detail);
          // The error handler hides 5xx messages; this one is for the operator (EPERM and the like).
          return reply.status(500).send(errorBody(500, r.detail));
        }
        return {
          incident: r.incident.id,
          state: r.incident.state,
          mode,
          outcome: r.outcome,
          message: r.detail,
          pid: r.incident.childPid,
          checksPassed: r.verify?.passed ?? [],
          audit: {
            at: r.audit.at,
            action: r.audit.action,
            mode: r.audit.mode,
            outcome: r.audit.outcome,
            detail: r.audit.detail,
          },
        };
      },
    );
  };
}
