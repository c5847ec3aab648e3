/** The fields that name an incident in a structured log line (the daemon's transitions, remediation's decisions). */
import type { Logger } from '../util/logger.js';
import type { Transition } from './transition.js';
import type { IncidentSummary } from './types.js';

export interface IncidentLogFields {
  incident: string;
  target: string;
  targetPid: number;
  childPid: number;
  /** ISO 8601: with childPid, what tells this child from a later one with its pid. */
  childStartTime: string;
}

export function incidentLogFields(
  i: Pick<IncidentSummary, 'id' | 'targetName' | 'targetPid' | 'childPid' | 'childStartMs'>,
): IncidentLogFields {
  return {
    incident: i.id,
    target: i.targetName,
    targetPid: i.targetPid,
    childPid: i.childPid,
    childStartTime: new Date(i.childStartMs).toISOString(),
  };
}

/** One line per transition: warn when confirmed, info otherwise. */
export function logTransitions(logger: Logger, transitions: Transition[]): void {
  for (const t of transitions) {
    const i = t.incident;
    const signature = i.signatureId ?? 'unknown';
    const fields = {
      ...incidentLogFields(i),
      signature,
      from: t.from,
      to: t.to,
    };
    const level = t.to === 'confirmed' ? 'warn' : 'info';
    logger[level](
      fields,
      `incident ${i.id} ${t.from ?? 'new'} → ${t.to}: ${i.targetName} child ${i.childPid} (${signature})`,
    );
  }
}
