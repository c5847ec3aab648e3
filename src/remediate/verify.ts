/**
 * The checks made immediately before a hung child is signalled (pure: the
 * facts are read by observe.ts). Every check must pass; each failure is named
 * so the audit record says exactly why nothing was sent.
 *
 *   pid-namespace   the /proc read is forkwatch's own pid namespace (procRoot
 *                   /host/proc without hostPID would name other processes)
 *   not-forbidden   never pid ≤ 1, a target's pid, forkwatch itself or its parent
 *   child-identity  same pid AND start time (clock ticks when known, else ms ±1 s)
 *   target-identity the target JVM is the one the incident names (pid and start)
 *   descendant      the child's parent chain reaches that target
 *   never-execed    still the target's image (exe + cmdline): it never exec'd
 *   single-thread   one thread (a JVM, or anything that exec'd into one, has many)
 *   blocked         state S in a private futex wait with no timeout, not traced
 *   no-progress     same syscall line (same futex word, sp, pc) and CPU time as
 *                   the last sample stored with the evidence
 */
import type { KernelEvidence } from '../proc/kernel-evidence.js';
import type { ProcessInfo } from '../scan/types.js';
import { sameImage } from '../classify/image.js';

/** ps-derived and btime-derived start times can differ by a second; a reused pid with the same image and parent within it is not plausible. */
const START_TOLERANCE_MS = 1000;

export interface ExpectedChild {
  childPid: number;
  childStartMs: number;
  /** Start time in clock ticks after boot from the stored kernel samples (exact), when known. */
  childStartTicks: number | null;
  targetPid: number;
  targetStartMs: number;
  /** Newest kernel sample stored with the evidence; null when none was (non-Linux). */
  lastKernel: KernelEvidence | null;
  /** Never signalled whatever else holds: forkwatch, its parent, every watched JVM. */
  forbiddenPids: readonly number[];
  /** forkwatch's own pid (process.pid): procRoot/self must say the same. */
  ownPid: number;
}

export interface ObservedChild {
  child: ProcessInfo | null;
  target: ProcessInfo | null;
  /** Parent chain from the child's parent upwards, ending at the target, pid 1 or where reading stopped. */
  ancestry: number[];
  kernel: KernelEvidence | null;
  /** What procRoot/self names: forkwatch's pid in that /proc's pid namespace; null when unreadable. */
  selfPid: number | null;
}

export type CheckName =
  | 'pid-namespace'
  | 'not-forbidden'
  | 'child-identity'
  | 'target-identity'
  | 'descendant'
  | 'never-execed'
  | 'single-thread'
  | 'blocked'
  | 'no-progress';

export interface VerifyResult {
  ok: boolean;
  passed: CheckName[];
  failed: { check: CheckName; detail: string }[];
}

export function verifyHungChild(e: ExpectedChild, o: ObservedChild): VerifyResult {
  const passed: CheckName[] = [];
  const failed: VerifyResult['failed'] = [];
  const check = (name: CheckName, problem: string | null): void => {
    if (problem === null) passed.push(name);
    else failed.push({ check: name, detail: problem });
  };
  check(
    'pid-namespace',
    o.selfPid === e.ownPid
      ? null
      : `procRoot/self is ${o.selfPid ?? 'unreadable'}, forkwatch is pid ${e.ownPid}: that /proc is another pid namespace, its pids are not kill(2)'s`,
  );
  check('not-forbidden', forbidden(e));
  check('child-identity', childIdentity(e, o));
  if (o.child) {
    check('target-identity', targetIdentity(e, o));
    check(
      'descendant',
      o.ancestry.includes(e.targetPid) && o.child.pid !== e.targetPid
        ? null
        : `parent chain ${o.ancestry.join(' → ') || '(unreadable)'} does not reach target ${e.targetPid}`,
    );
    check(
      'never-execed',
      o.target && sameImage(o.target, o.child)
        ? null
        : "the child no longer has the target's image (exe + cmdline): it exec'd or is another program",
    );
    check('single-thread', o.child.threads === 1 ? null : `${o.child.threads} threads, a hung child has 1`);
    check('blocked', blocked(o.kernel));
    check('no-progress', noProgress(e.lastKernel, o.kernel));
  }
  return { ok: failed.length === 0, passed, failed };
}

function forbidden(e: ExpectedChild): string | null {
  if (!Number.isSafeInteger(e.childPid) || e.childPid <= 1) return `pid ${e.childPid} is never signalled`;
  if (e.childPid === e.targetPid || e.forbiddenPids.includes(e.childPid))
    return `pid ${e.childPid} is a target, forkwatch or its parent`;
  return null;
}

function childIdentity(e: ExpectedChild, o: ObservedChild): string | null {
  if (!o.child) return `pid ${e.childPid} is gone`;
  const ticks = o.kernel?.startTicks ?? null;
  if (e.childStartTicks !== null && ticks !== null) {
    return ticks === e.childStartTicks
      ? null
      : `pid ${e.childPid} started at tick ${ticks}, the incident's child at tick ${e.childStartTicks}: another process`;
  }
  const drift = Math.abs(o.child.startTimeMs - e.childStartMs);
  return drift <= START_TOLERANCE_MS
    ? null
    : `pid ${e.childPid} started ${new Date(o.child.startTimeMs).toISOString()}, the incident's child ${new Date(e.childStartMs).toISOString()}: another process`;
}

function targetIdentity(e: ExpectedChild, o: ObservedChild): string | null {
  if (!o.target) return `target pid ${e.targetPid} is gone`;
  const drift = Math.abs(o.target.startTimeMs - e.targetStartMs);
  return drift <= START_TOLERANCE_MS
    ? null
    : `target pid ${e.targetPid} is another process (start time differs by ${drift} ms)`;
}

function blocked(k: KernelEvidence | null): string | null {
  if (!k) return 'kernel evidence unreadable (/proc/PID/status, stat)';
  const problems: string[] = [];
  if (k.state !== 'S') problems.push(`state ${k.state}, not S`);
  if (k.threads !== 1) problems.push(`${k.threads} threads`);
  if (!k.futexWaitPrivate) problems.push(`not in a private futex wait (${k.syscall ?? 'syscall unreadable'})`);
  if (k.tracerPid) problems.push(`traced by pid ${k.tracerPid}`);
  return problems.length === 0 ? null : problems.join('; ');
}

function noProgress(last: KernelEvidence | null, now: KernelEvidence | null): string | null {
  if (!last) return 'no kernel sample stored with the evidence to compare with';
  if (!now) return 'kernel evidence unreadable';
  const problems: string[] = [];
  if (now.syscall !== last.syscall) problems.push(`syscall line changed: "${last.syscall}" → "${now.syscall}"`);
  if (now.cpuTimeMs !== last.cpuTimeMs) problems.push(`CPU time changed: ${last.cpuTimeMs} → ${now.cpuTimeMs} ms`);
  return problems.length === 0 ? null : problems.join('; ');
}
