/**
 * One major GC after each full discovery scan (every rediscoverInterval, and
 * every tick while a lost target is looked for: src/stages/scanner.ts).
 * A full scan at 10,000 host processes allocates ~10 MB that dies young, but
 * what is in flight at each scavenge (the pid list, the ppid map) is promoted,
 * and an idle daemon gives V8 no reason to collect the old generation: it
 * fills towards its next limit and RSS drifted from 78 to 85 MB over ten
 * minutes (bench/RESULTS.md "daemon"). A mark-compact of ~20 MB of live heap
 * once a minute costs ~10 ms. Needs node's --expose-gc (DAEMON_NODE_FLAGS);
 * without it, does nothing.
 *
 * This collection, and only this one, also compacts every page of the old
 * generation (V8's --compact-on-every-full-gc, set for its length): the
 * committed heap then follows what is live instead of creeping up by ~0.15 MB
 * a minute under scrapes and scans. V8's own major GCs keep V8's choice of
 * pages to compact: with the flag set for the whole process, a major GC under
 * a flood of requests copied the whole old generation and RSS rose by 20-30 MB
 * for a moment (bench/RESULTS.md "http GET load"); V8 reads the flag at each
 * GC, so setting it around this one call is enough (test/daemon/heap.test.ts
 * shows the difference on a fragmented heap).
 */
import { setFlagsFromString } from 'node:v8';

export function collectAfterFullScan(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
  return true;
}
