/**
 * The suspects of a scan, for the daemon's tick and `forkwatch scan` alike:
 * children that forked, never exec'd and are overdue, oldest first, bounded
 * (a fork storm must not stall a tick or a scan).
 */
import type { ChildReport, ScanReport } from './types.js';

/** Suspects handled per tick or per scan at most. */
export const MAX_SUSPECTS = 256;

/** `skip` leaves some out before the bound (the daemon: those it already confirmed). */
export function overdueSuspects(report: ScanReport, skip: (c: ChildReport) => boolean = () => false): ChildReport[] {
  return report.children
    .filter((c) => c.classification === 'never-execed' && c.overdue && !skip(c))
    .sort((a, b) => b.ageMs - a.ageMs)
    .slice(0, MAX_SUSPECTS);
}
