/** Counts and warnings a scan accumulates: vanished pids are counted, never thrown. */
import type { ScanStats, ScanWarning } from './types.js';

export interface Tally {
  stats: ScanStats;
  warnings: ScanWarning[];
}

const MAX_WARNINGS = 100;

export function newTally(source: ScanStats['source']): Tally {
  return {
    stats: { source, processesRead: 0, vanished: 0, permissionDenied: 0, malformed: 0, durationMs: 0 },
    warnings: [],
  };
}

export function warn(t: Tally, w: ScanWarning): void {
  if (t.warnings.length < MAX_WARNINGS) t.warnings.push(w);
}
