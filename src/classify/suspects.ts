/**
 * The suspects of a scan, for the daemon's tick and `forkwatch scan` alike:
 * children that forked, never exec'd and are overdue, oldest first, bounded
 * (a fork storm must not stall a tick or a scan). And the lingering ones, for
 * a second look: never exec'd, older than hungAfter, but not overdue.
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

/** Second looks taken per tick or per scan at most: each is one stack capture (a brief ptrace). */
export const MAX_SECOND_LOOKS = 2;

/**
 * Never-exec'd children older than the report's hungAfter that are NOT
 * overdue: running, using CPU, sleeping in a timer or waiting on I/O. The
 * overdue rule leaves them alone (a forked worker has its own reasons to
 * live), but one stuck inside fork() because its child-side atfork handler
 * spins, or spins and sleeps, looks the same from /proc: only its stack tells
 * (signature fork-child-handlers-never-return). So each gets one second look,
 * oldest first, MAX_SECOND_LOOKS per call; `skip` leaves out those already
 * looked at or confirmed.
 */
export function lingeringChildren(report: ScanReport, skip: (c: ChildReport) => boolean = () => false): ChildReport[] {
  return report.children
    .filter((c) => lingers(report, c) && !skip(c))
    .sort((a, b) => b.ageMs - a.ageMs)
    .slice(0, MAX_SECOND_LOOKS);
}

/** One lingering child of the report: never exec'd, older than its hungAfter, not overdue, not a zombie. */
export function lingers(report: ScanReport, c: ChildReport): boolean {
  return (
    report.hungAfterMs !== undefined &&
    c.classification === 'never-execed' &&
    !c.overdue &&
    c.activity !== 'zombie' &&
    c.ageMs > report.hungAfterMs
  );
}
