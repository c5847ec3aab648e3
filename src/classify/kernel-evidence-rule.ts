/**
 * The "provably blocked" rule over successive kernel-evidence samples of one
 * suspect. A single-threaded process waiting on a private futex with no
 * timeout has nobody who could wake it: the futex word is private to its own
 * address space and it has no other thread. A healthy child can pass through
 * such a wait for an instant, so one sample proves nothing; the same wait,
 * with the same syscall line (same futex word, same sp/pc), no CPU time used
 * and no voluntary context switch between at least two samples taken at
 * different times, is evidence in its own right (no ptrace needed).
 */
import type { KernelEvidence } from '../proc/kernel-evidence.js';
import { isLockWaitChannel } from './activity.js';

export interface BlockedVerdict {
  blocked: boolean;
  /** Why not (or, when blocked, the facts that proved it). */
  reasons: string[];
}

export function assessProvablyBlocked(samples: readonly KernelEvidence[]): BlockedVerdict {
  if (samples.length < 2) return { blocked: false, reasons: [`${samples.length} sample(s): at least 2 needed`] };
  const reasons: string[] = [];
  samples.forEach((s, i) => reasons.push(...checkOneSample(s, i)));
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  if (!(last.at > first.at)) reasons.push('samples were not taken at different times');
  for (const s of samples.slice(1)) {
    if (s.pid !== first.pid || (s.startTicks ?? null) !== (first.startTicks ?? null)) {
      reasons.push('samples are of different processes (pid or start time differ)');
    }
    if (s.syscall !== first.syscall) reasons.push(`syscall line changed: "${first.syscall}" → "${s.syscall}"`);
    reasons.push(...progressBetween(first, s));
  }
  if (reasons.length > 0) return { blocked: false, reasons: dedupe(reasons) };
  return {
    blocked: true,
    reasons: [
      `single-threaded, private futex wait with no timeout (${first.syscall}), wchan ${first.wchan ?? '?'}`,
      `unchanged over ${samples.length} samples and ${last.at - first.at} ms: no CPU time, no voluntary switch`,
    ],
  };
}

/**
 * What the process did between two samples of the same identity on its own
 * account: CPU time used, voluntary context switches (it slept and woke).
 * Empty when neither moved or either is unreadable.
 */
export function progressBetween(a: KernelEvidence, b: KernelEvidence): string[] {
  const out: string[] = [];
  if (a.cpuTimeMs !== b.cpuTimeMs) out.push(`CPU time changed: ${a.cpuTimeMs} → ${b.cpuTimeMs} ms`);
  if (a.voluntaryCtxtSwitches !== b.voluntaryCtxtSwitches) {
    out.push(`voluntary context switches changed: ${a.voluntaryCtxtSwitches} → ${b.voluntaryCtxtSwitches}`);
  }
  return out;
}

/**
 * The share of the time between two samples a child must spend on a CPU to
 * be doing its own work. Waking and sleeping is not enough: a child hung on a
 * lock whose wait polls wakes again and again with almost no CPU time
 * (CPython's GIL waits in 5 ms timed condition waits, gperftools'
 * SpinLockDelay in timed futex waits), and must still be captured. A busy
 * worker that one read caught between the runqueue and sleep uses far more.
 */
export const BUSY_CPU_SHARE = 0.05;

/**
 * The samples show the process doing its own work: its CPU time grew by at
 * least BUSY_CPU_SHARE of the time between the first and the last sample, or
 * a sample read a wait channel that is no lock wait (a timer, poll, accept:
 * the classifier's "blocked elsewhere", which one read of /proc could not see
 * when it caught the child waking, with no wait channel). Why, or null. A
 * stricter cousin of what the classifier calls "progressing" across scans:
 * decides whether a suspect is traced at all. A deadlocked child reads a lock
 * wait's channel in every sample, or none when the channel is hidden from us.
 */
export function progressed(samples: readonly KernelEvidence[]): string | null {
  if (samples.length < 2) return null;
  const a = samples[0]!;
  const b = samples[samples.length - 1]!;
  if (a.pid !== b.pid || (a.startTicks ?? null) !== (b.startTicks ?? null)) return null;
  const elsewhere = samples.find((s) => s.wchan !== null && !isLockWaitChannel(s.wchan));
  if (elsewhere) return `waits in ${elsewhere.wchan}, no lock wait`;
  if (a.cpuTimeMs === null || b.cpuTimeMs === null) return null;
  const wallMs = b.at - a.at;
  if (wallMs <= 0 || b.cpuTimeMs - a.cpuTimeMs < BUSY_CPU_SHARE * wallMs) return null;
  return `CPU time changed: ${a.cpuTimeMs} → ${b.cpuTimeMs} ms over ${wallMs} ms`;
}

export function isProvablyBlocked(samples: readonly KernelEvidence[]): boolean {
  return assessProvablyBlocked(samples).blocked;
}

function checkOneSample(s: KernelEvidence, i: number): string[] {
  const out: string[] = [];
  if (s.state !== 'S') out.push(`sample ${i}: state ${s.state}, not S`);
  if (s.threads !== 1) out.push(`sample ${i}: ${s.threads} threads, not 1`);
  if (!s.futexWaitPrivate)
    out.push(`sample ${i}: not a private futex wait without timeout (${s.syscall ?? 'unreadable'})`);
  if (s.cpuTimeMs === null || s.voluntaryCtxtSwitches === null)
    out.push(`sample ${i}: CPU time or context switches unreadable`);
  if (s.tracerPid)
    out.push(`sample ${i}: traced by pid ${s.tracerPid} (what /proc shows is not the process's own state)`);
  return out;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}
