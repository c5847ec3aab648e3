/**
 * The store's Incident as AlertFacts: the one place that knows both models,
 * so the message builders stay pure and the store may grow freely.
 */
import type { Incident, IncidentSummary } from '../record/index.js';
import type { Signature } from '../match/types.js';
import type { AlertFacts, Classification } from './types.js';

/** Looks a signature up by id (for its references); undefined when unknown. */
export type SignatureLookup = (id: string) => Pick<Signature, 'references'> | undefined;

export function toAlertFacts(incident: Incident | IncidentSummary, lookup?: SignatureLookup): AlertFacts {
  const evidence = 'evidence' in incident ? incident.evidence : undefined;
  const matches = evidence?.matches ?? [];
  const match = matches.find((m) => m.signatureId === incident.signatureId) ?? matches[0];
  const classification = toClassification(incident);
  return {
    incidentId: incident.id,
    host: incident.host,
    target: { name: incident.targetName, pid: incident.targetPid, user: incident.targetUser },
    child: { pid: incident.childPid, startTimeMs: incident.childStartMs },
    confirmedAt: incident.confirmedAt,
    resolvedAt: incident.resolvedAt,
    resolution: incident.resolvedReason,
    classification,
    frames: match?.frames ?? [],
    forkingThread: describeThread(incident.forkingThread),
    job: incident.jenkinsJob ?? incident.forkingThread?.jenkinsJob ?? null,
    references: classification.kind === 'signature' ? (lookup?.(classification.id)?.references ?? []) : [],
    remediation: lastRemediation(incident),
  };
}

function toClassification(i: IncidentSummary): Classification {
  const id = i.signatureId;
  if (id === 'proven_blocked') return { kind: 'proven-blocked' };
  if (!id || id === 'unknown') return { kind: 'unknown' };
  return {
    kind: 'signature',
    id,
    title: i.signatureTitle ?? id,
    severity: i.severity ?? 'critical',
    version: i.signatureVersion,
  };
}

function describeThread(t: IncidentSummary['forkingThread']): string | null {
  if (!t) return null;
  const java = t.javaName && t.javaName !== t.name ? ` ("${t.javaName}")` : '';
  return `${t.name}${java}, tid ${t.tid}`;
}

function lastRemediation(i: Incident | IncidentSummary): AlertFacts['remediation'] {
  if (!('audit' in i)) return null;
  const rec = [...i.audit].reverse().find((a) => a.action === 'remediate' || a.action === 'operator-kill');
  return rec ? { mode: rec.mode ?? rec.action, outcome: rec.outcome, at: rec.at, detail: rec.detail || null } : null;
}
