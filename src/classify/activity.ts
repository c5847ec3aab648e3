/**
 * What a never-exec'd child is doing, from what the scan already has (state,
 * wchan, CPU time across scans). A post-fork deadlock is a lock wait: on Linux
 * a futex wait (wchan futex_do_wait, futex_wait_queue, futex_wait_queue_me),
 * on illumos lwp_park. A child that runs, uses CPU, or sleeps in a timer,
 * accept(), poll() or read() has its own reason to live.
 */
import type { ProcessInfo } from '../scan/types.js';

export type ChildActivity =
  /** Blocked in a futex / lwp_park wait: what a post-fork deadlock looks like. */
  | 'lock-wait'
  /** Blocked elsewhere in the kernel (nanosleep, accept, poll, read, ...). */
  | 'blocked-other'
  /** On a CPU or runnable. */
  | 'running'
  /** Used CPU since the previous scan of the same process. */
  | 'progressing'
  /** No wait channel to tell (ps source, wchan hidden, no permission). */
  | 'unknown'
  | 'zombie';

const LOCK_WAIT = /futex|lwp_park/;

/** A wait channel of a lock wait (futex on Linux, lwp_park on illumos): what a post-fork deadlock sleeps in. */
export function isLockWaitChannel(wchan: string): boolean {
  return LOCK_WAIT.test(wchan);
}

export function activityOf(child: ProcessInfo, previousCpuMs?: number | null): ChildActivity {
  if (child.state === 'zombie' || child.state === 'dead') return 'zombie';
  if (child.state === 'running') return 'running';
  if (previousCpuMs != null && child.cpuTimeMs !== null && child.cpuTimeMs > previousCpuMs) return 'progressing';
  if (!child.wchan) return 'unknown';
  return isLockWaitChannel(child.wchan) ? 'lock-wait' : 'blocked-other';
}

/** Activities that may be a post-fork deadlock: the lock wait, or what we cannot see. */
export function mayBeDeadlocked(a: ChildActivity): boolean {
  return a === 'lock-wait' || a === 'unknown';
}
