/**
 * One major GC after each full discovery scan (every rediscoverInterval).
 * A full scan at 10,000 host processes allocates ~10 MB that dies young, but
 * what is in flight at each scavenge (the pid list, the ppid map) is promoted,
 * and an idle daemon gives V8 no reason to collect the old generation: it
 * fills towards its next limit and RSS drifted from 78 to 85 MB over ten
 * minutes (bench/RESULTS.md "daemon"). A mark-compact of ~20 MB of live heap
 * once a minute costs ~10 ms; with --compact-on-every-full-gc it also
 * defragments, so the committed heap follows the live one. Needs node's
 * --expose-gc (DAEMON_NODE_FLAGS); without it, does nothing.
 */
export function collectAfterFullScan(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
}
