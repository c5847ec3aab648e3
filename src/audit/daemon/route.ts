/**
 * GET /api/v1/targets/:name/audit: the latest fork-risk audit of a
 * configured target (plain, redacted, bounded: see risk.ts). 404 for a name
 * not configured; a configured target not audited yet answers risk null.
 * Host guard and rate limit come with the server (src/expose/server.ts).
 */
import { Type } from '@sinclair/typebox';
import type { ExtensionContext, ForkwatchApp } from '../../extension/context.js';
import { HttpError } from '../../expose/errors.js';
import { errorResponses, Nullable } from '../../expose/schemas.js';
import type { AuditResult } from '../types.js';

const EvidenceSchema = Type.Object({ kind: Type.String(), text: Type.String({ maxLength: 512 }) });

export const AuditResponse = Type.Object({
  target: Type.String(),
  pid: Nullable(Type.Integer()),
  risk: Type.Union([Type.Literal('none'), Type.Literal('low'), Type.Literal('high'), Type.Null()]),
  auditedAt: Nullable(Type.String({ description: 'ISO 8601; null: not audited yet' })),
  reasons: Type.Array(
    Type.Object({
      rule: Type.String(),
      title: Type.String(),
      level: Type.Union([Type.Literal('low'), Type.Literal('high')]),
      evidence: EvidenceSchema,
      evidenceAll: Type.Array(EvidenceSchema),
      why: Type.String(),
      prevention: Type.String(),
      source: Type.Array(Type.Object({ title: Type.String(), url: Type.String() })),
    }),
  ),
  notes: Type.Array(Type.String()),
});

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

export interface AuditView {
  latest(target: string): { result: AuditResult; at: number } | null;
}

export function registerAuditRoute(app: ForkwatchApp, ctx: ExtensionContext, view: AuditView): void {
  app.get(
    '/api/v1/targets/:name/audit',
    {
      schema: {
        tags: ['targets'],
        description:
          "The target's latest fork-risk audit (docs/audit.md): risk none / low / high (null: cannot tell, or not audited yet), each reason with its evidence and prevention.",
        params: NameParams,
        response: { 200: AuditResponse, ...errorResponses },
      },
    },
    async (req) => {
      const name = req.params.name;
      if (!ctx.config.targets.some((t) => t.name === name))
        throw new HttpError(404, `no target ${JSON.stringify(name.slice(0, 64))}`);
      const latest = view.latest(name);
      if (!latest)
        return { target: name, pid: null, risk: null, auditedAt: null, reasons: [], notes: ['not audited yet'] };
      return { ...latest.result, auditedAt: new Date(latest.at).toISOString() };
    },
  );
}
