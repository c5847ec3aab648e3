/**
 * What each thread of a dump waits on, by the signature vocabulary: the
 * reading `forkwatch classify` shows when no signature named a deadlock, so
 * that a miss says what the stack does show (a lock another thread may
 * release, a condition wait, I/O, a sleep) instead of nothing. It names no
 * deadlock and changes no verdict.
 */
import type { Frame, Thread } from '../capture/types.js';
import { compileVocabulary, condWaitOf, listsHolding, lockWaitOf, hasRole } from './vocabulary.js';
import { DEFAULT_WITHIN_TOP } from './matcher.js';
import type { Vocabulary } from './types.js';

/**
 * lock: a lock wait (any list of the `lock` role, a locking call without libc
 * symbols, a lock-shaped caller); untimed: an untimed condition-variable, join
 * or barrier wait (only another thread of the process ends it); event: runtime
 * parking, a barrier or an event wait whose kind the names do not tell;
 * primitive: only a bare wait primitive has a name (a futex or a system call:
 * a kernel stack alone), a lock or a condition alike; other: none of these
 * (running, or code the vocabulary does not know).
 */
export const WAIT_KINDS = [
  'lock',
  'untimed',
  'timed',
  'event',
  'sleep',
  'io',
  'child-process',
  'primitive',
  'other',
] as const;
export type WaitKind = (typeof WAIT_KINDS)[number];

export interface ThreadWait {
  /** Index of the thread in the dump. */
  thread: number;
  kind: WaitKind;
  /** The frame that decided (innermost first), or null when no frame has a name. */
  frame: number | null;
  /** That frame's normalized name. */
  name: string | null;
}

/** Lists whose frame says what the thread waits for, when it is no lock or untimed wait, in the order asked. */
const KIND_OF_LIST: readonly (readonly [string, WaitKind])[] = [
  ['timed-wait', 'timed'],
  ['other-event-wait', 'event'],
  ['barrier-wait', 'event'],
  ['sleep', 'sleep'],
  ['io-wait', 'io'],
  ['spawn-wait', 'child-process'],
];

export function threadWaits(threads: readonly Thread[], vocabulary: Vocabulary): ThreadWait[] {
  const cv = compileVocabulary(vocabulary);
  return threads.map((t, thread) => {
    const frames = t.frames;
    const lock = lockWaitOf(cv, frames, DEFAULT_WITHIN_TOP);
    if (lock) return at(thread, 'lock', frames, lock.index);
    const untimed = condWaitOf(cv, frames, DEFAULT_WITHIN_TOP);
    if (untimed) return at(thread, 'untimed', frames, untimed.index);
    // as far as the rules look (withinTop's default): the first named frame that is not a bare wait
    // primitive (futex, syscall) says what the thread does
    const last = Math.min(frames.length, DEFAULT_WITHIN_TOP);
    let primitive: number | null = null;
    for (let i = 0; i < last; i++) {
      const name = frames[i]!.normalized;
      if (name === null) continue;
      if (hasRole(cv, 'primitive', name)) {
        primitive ??= i;
        continue;
      }
      const lists = listsHolding(cv, name);
      const kind = KIND_OF_LIST.find(([list]) => lists.includes(list))?.[1] ?? 'other';
      return at(thread, kind, frames, i);
    }
    return primitive !== null
      ? at(thread, 'primitive', frames, primitive)
      : { thread, kind: 'other', frame: null, name: null };
  });
}

function at(thread: number, kind: WaitKind, frames: readonly Frame[], i: number): ThreadWait {
  return { thread, kind, frame: i, name: frames[i]!.normalized };
}
