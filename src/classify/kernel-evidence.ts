/**
 * Read a suspect's Linux kernel evidence from procfs (status, stat, syscall,
 * wchan), BEFORE any ptrace: an attach changes what /proc shows (a sleeper's
 * nanosleep reads as restart_syscall afterwards). Every read is bounded; a
 * vanished process gives null, never a throw.
 */
import { join } from 'node:path';
import type { KernelEvidence } from '../capture/types.js';
import { readPrefix } from '../util/read-file-bounded.js';
import { isFutexWaitPrivate, parseProcStat, parseProcStatus, parseProcSyscall } from './kernel-evidence-parse.js';

export interface KernelEvidenceOptions {
  procRoot: string;
  /** process.arch of the host (the futex syscall number depends on it). */
  arch?: string;
  /** Clock ticks per second (USER_HZ); 100 on every mainstream Linux. */
  clkTck?: number;
  now?: () => number;
}

const MAX_PROC_FILE_BYTES = 64 * 1024;

export function readKernelEvidence(pid: number, opts: KernelEvidenceOptions): KernelEvidence | null {
  const dir = join(opts.procRoot, String(pid));
  const statusText = readProcText(join(dir, 'status'));
  const statText = readProcText(join(dir, 'stat'));
  if (statusText === null || statText === null) return null;
  const status = parseProcStatus(statusText);
  const stat = parseProcStat(statText);
  const syscallText = readProcText(join(dir, 'syscall'));
  const syscall = syscallText === null ? null : parseProcSyscall(syscallText);
  const wchan = readProcText(join(dir, 'wchan'));
  const clkTck = opts.clkTck ?? 100;
  return {
    at: (opts.now ?? Date.now)(),
    pid,
    startTicks: stat?.startTicks ?? null,
    state: status.state ?? stat?.state ?? '?',
    threads: status.threads ?? 0,
    tracerPid: status.tracerPid,
    wchan: normalizeWchan(wchan),
    syscall: syscall?.line ?? null,
    syscallNr: syscall?.nr ?? null,
    futexWaitPrivate: isFutexWaitPrivate(syscall, opts.arch ?? process.arch),
    voluntaryCtxtSwitches: status.voluntaryCtxtSwitches,
    nonvoluntaryCtxtSwitches: status.nonvoluntaryCtxtSwitches,
    cpuTimeMs: stat ? Math.round((stat.cpuTicks * 1000) / clkTck) : null,
  };
}

/** "0" (or empty) means "not sleeping in the kernel" (or hidden from us). */
function normalizeWchan(text: string | null): string | null {
  const w = text?.trim() ?? '';
  return w === '' || w === '0' ? null : w.slice(0, 128);
}

/** Read a small /proc file with one bounded read; null when it cannot be read (vanished, EACCES). */
export function readProcText(path: string, maxBytes = MAX_PROC_FILE_BYTES): string | null {
  return readPrefix(path, maxBytes)?.toString('utf8') ?? null;
}
