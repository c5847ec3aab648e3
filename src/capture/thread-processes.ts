/**
 * The threads of a paste holding several processes (Thread.process), grouped
 * by process: the matcher judges each process on its own, and the gdb reader
 * keeps printed lock owners only for processes listed whole. One grouping
 * serves both.
 */
import type { Thread } from './types.js';

/**
 * A paste holds a few processes; past this many, the rest are one group
 * (a hostile paste of thousands of one-thread "processes" would otherwise run
 * every one-thread rule on each: 6,000 of them took 1.4-1.6× the time of the
 * same threads as one process, warm; capped, the same time).
 */
export const MAX_PROCESSES = 64;

/** Thread indexes by process, in paste order (a thread with no process is process 0's). */
export function threadIndexesByProcess(threads: readonly Pick<Thread, 'process'>[]): number[][] {
  const groups = new Map<number, number[]>();
  threads.forEach((t, i) => {
    const key = Math.min(t.process ?? 0, MAX_PROCESSES - 1);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.values()];
}
