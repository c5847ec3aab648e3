/** A process is (pid, start time): a reused pid is a new process. */
import type { ProcessIdentity } from '../scan/types.js';

export function identityKey(p: ProcessIdentity): string {
  return `${p.pid}@${p.startTimeMs}`;
}

/**
 * ps gives start time only as now − etime, to the second, so two listings of
 * one process can disagree by a second or two: compare with a tolerance there.
 */
export function sameIdentity(a: ProcessIdentity, b: ProcessIdentity, toleranceMs = 0): boolean {
  return a.pid === b.pid && Math.abs(a.startTimeMs - b.startTimeMs) <= toleranceMs;
}
