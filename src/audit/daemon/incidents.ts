/**
 * The evidence bundle's fork-risk section: the latest audit of an incident's
 * target process (same pid) is stored with the incident's evidence
 * (extra.forkRisk, src/bundle/build.ts) once it is confirmed, so the bundle
 * carries it even after a restart. Each incident is done once.
 */
import { FORK_RISK_KEY } from '../../record/extra-keys.js';
import type { ExtensionContext } from '../../extension/context.js';
import type { AuditResult } from '../types.js';

export function createIncidentAttacher(): (
  ctx: ExtensionContext,
  latest: ReadonlyMap<string, { result: AuditResult; at: number }>,
) => void {
  const done = new Set<string>();
  return (ctx, latest) => {
    const open = ctx.store.openIncidents().filter((i) => i.state !== 'suspect');
    for (const id of done) if (!open.some((i) => i.id === id)) done.delete(id);
    for (const summary of open) {
      if (done.has(summary.id)) continue;
      const audit = latest.get(summary.targetName);
      if (!audit || audit.result.pid !== summary.targetPid) continue;
      done.add(summary.id);
      try {
        const incident = ctx.store.get(summary.id);
        if (!incident || incident.evidence.extra?.[FORK_RISK_KEY]) continue;
        ctx.store.updateEvidence(summary.id, {
          extra: {
            ...incident.evidence.extra,
            [FORK_RISK_KEY]: { ...audit.result, auditedAt: new Date(audit.at).toISOString() },
          },
        });
      } catch (err) {
        ctx.logger.warn(
          { err, incident: summary.id, target: summary.targetName },
          'storing the fork-risk audit with the incident failed',
        );
      }
    }
  };
}
