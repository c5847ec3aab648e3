/**
 * Is this pid still the process the scan saw? Its start time (clock ticks
 * after boot, /proc/PID/stat) is turned into ms since the epoch with btime
 * (src/proc/boot-clock.ts). A tolerance of one second is safe for suspects: a
 * suspect is overdue (older than hungAfter), so a process reusing its pid
 * started at least that much later than the one scanned.
 */
import { readBootTimeSec, readStartTimeMs } from '../proc/boot-clock.js';

// Re-exported for the live tests and benches that import them from here.
export { readBootTimeSec, readStartTimeMs };

const TOLERANCE_MS = 1000;

/**
 * 'same' when pid still holds the identity (within the tolerance), 'gone' when
 * it exited or was reused, 'unknown' where /proc is not Linux's (illumos).
 */
export function verifyIdentity(
  procRoot: string,
  id: { pid: number; startTimeMs: number },
): 'same' | 'gone' | 'unknown' {
  if (readBootTimeSec(procRoot) === null) return 'unknown';
  const now = readStartTimeMs(procRoot, id.pid);
  return now !== null && Math.abs(now - id.startTimeMs) <= TOLERANCE_MS ? 'same' : 'gone';
}
