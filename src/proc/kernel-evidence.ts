/**
 * A suspect's Linux kernel evidence from procfs (status, stat, syscall,
 * wchan), read BEFORE any ptrace: an attach changes what /proc shows (a
 * sleeper's nanosleep reads as restart_syscall afterwards). Every read is
 * bounded; a vanished process gives null, never a throw. The verdict on it
 * is classify/kernel-evidence-rule.ts.
 */
import { isFailure } from './read.js';
import { ProcFS } from './fs.js';
import { isFutexWaitPrivate } from './parse/syscall.js';
import { parseStatOrNull } from './parse/stat.js';

export interface KernelEvidence {
  at: number;
  state: string;
  threads: number;
  wchan: string | null;
  /** /proc/PID/syscall as text ("202 0x... 0x80 ..."), null where unreadable. */
  syscall: string | null;
  syscallNr: number | null;
  /** FUTEX_WAIT_PRIVATE with no timeout, on the arch's futex syscall number. */
  futexWaitPrivate: boolean;
  voluntaryCtxtSwitches: number | null;
  nonvoluntaryCtxtSwitches: number | null;
  cpuTimeMs: number | null;
  /** The process sampled and its start (clock ticks after boot): samples of another process never combine. */
  pid?: number;
  startTicks?: number | null;
  /** Non-zero while some debugger is attached (a ptrace attach also changes what /proc shows). */
  tracerPid?: number | null;
}

export interface KernelEvidenceOptions {
  procRoot: string;
  /** process.arch of the host (the futex syscall number depends on it). */
  arch?: string;
  /** Clock ticks per second (USER_HZ); 100 on every mainstream Linux. */
  clkTck?: number;
  now?: () => number;
}

export function readKernelEvidence(pid: number, opts: KernelEvidenceOptions): KernelEvidence | null {
  const fs = new ProcFS(opts.procRoot);
  const status = fs.status(pid);
  const statText = fs.text(pid, 'stat');
  if (isFailure(status) || isFailure(statText)) return null;
  const st = parseStatOrNull(statText);
  const sys = fs.syscall(pid);
  const syscall = isFailure(sys) ? null : sys;
  const wchan = fs.wchan(pid);
  const clkTck = opts.clkTck ?? 100;
  return {
    at: (opts.now ?? Date.now)(),
    pid,
    startTicks: st?.startTicks ?? null,
    state: status.stateCode ?? st?.stateCode ?? '?',
    threads: status.threads ?? 0,
    tracerPid: status.tracerPid,
    wchan: isFailure(wchan) ? null : wchan,
    syscall: syscall?.line ?? null,
    syscallNr: syscall?.nr ?? null,
    futexWaitPrivate: isFutexWaitPrivate(syscall, opts.arch ?? process.arch),
    voluntaryCtxtSwitches: status.voluntaryCtxtSwitches,
    nonvoluntaryCtxtSwitches: status.nonvoluntaryCtxtSwitches,
    cpuTimeMs: st ? Math.round(((st.utime + st.stime) * 1000) / clkTck) : null,
  };
}
