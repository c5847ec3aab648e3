import type { IncidentState, IncidentSummary } from './types.js';

/** A change the store made; the daemon logs and counts it, and hands it to the sinks. */
export interface Transition {
  incident: IncidentSummary;
  from: IncidentState | null;
  to: IncidentState;
}
