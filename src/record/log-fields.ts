/** The fields that name an incident in a structured log line (the daemon's transitions, remediation's decisions). */
import type { IncidentSummary } from './types.js';

export interface IncidentLogFields {
  incident: string;
  target: string;
  targetPid: number;
  childPid: number;
  /** ISO 8601: with childPid, what tells this child from a later one with its pid. */
  childStartTime: string;
}

export function incidentLogFields(i: Pick<IncidentSummary, 'id' | 'targetName' | 'targetPid' | 'childPid' | 'childStartMs'>): IncidentLogFields {
  return {
    incident: i.id,
    target: i.targetName,
    targetPid: i.targetPid,
    childPid: i.childPid,
    childStartTime: new Date(i.childStartMs).toISOString(),
  };
}
