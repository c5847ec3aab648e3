/**
 * Read, from /proc, what verify.ts judges: the child, its target, the parent
 * chain between them and a fresh kernel sample. Synchronous and bounded, so
 * nothing else in forkwatch runs between these reads and the signal.
 */
import { readKernelEvidence } from '../proc/kernel-evidence.js';
import { ProcFS } from '../proc/fs.js';
import { isFailure } from '../proc/read.js';
import type { BootClock } from '../proc/boot-clock.js';
import { readProcess } from '../scan/procfs-read.js';
import type { ProcessInfo } from '../scan/types.js';
import type { Incident } from '../record/types.js';
import type { ExpectedChild, ObservedChild } from './verify.js';

/** A deeper parent chain than this is not a JVM's forked child. */
const MAX_ANCESTRY = 64;

export function expectedOf(i: Incident, forbiddenPids: readonly number[]): ExpectedChild {
  const samples = (i.evidence.kernel ?? []).filter((k) => k.pid === undefined || k.pid === i.childPid);
  const last = samples[samples.length - 1] ?? null;
  return {
    childPid: i.childPid,
    childStartMs: i.childStartMs,
    childStartTicks: last?.startTicks ?? null,
    targetPid: i.targetPid,
    targetStartMs: i.targetStartMs,
    lastKernel: last,
    forbiddenPids,
    ownPid: process.pid,
  };
}

export interface ObserveOptions {
  procRoot: string;
  clock: BootClock;
  arch?: string;
}

export function observeChild(e: Pick<ExpectedChild, 'childPid' | 'targetPid'>, opts: ObserveOptions): ObservedChild {
  const fs = new ProcFS(opts.procRoot);
  const read = (pid: number, full: boolean): ProcessInfo | null => {
    const r = readProcess(fs, pid, opts.clock, {
      maxCmdlineBytes: 256 * 1024,
      ...(full ? { status: true, exe: true, verify: true } : {}),
    });
    return r.kind === 'ok' ? r.info : null;
  };
  const target = read(e.targetPid, true);
  const kernel = readKernelEvidence(e.childPid, { procRoot: opts.procRoot, ...(opts.arch ? { arch: opts.arch } : {}) });
  const child = read(e.childPid, true);
  return {
    child,
    target,
    ancestry: child ? ancestryOf(child.ppid, e.targetPid, (pid) => read(pid, false)) : [],
    kernel,
    selfPid: readSelfPid(fs),
  };
}

function ancestryOf(ppid: number, stopAt: number, read: (pid: number) => ProcessInfo | null): number[] {
  const chain: number[] = [];
  let pid = ppid;
  while (chain.length < MAX_ANCESTRY && pid > 0) {
    chain.push(pid);
    if (pid === stopAt || pid === 1) break;
    const p = read(pid);
    if (!p) break;
    pid = p.ppid;
  }
  return chain;
}

function readSelfPid(fs: ProcFS): number | null {
  const link = fs.selfLink();
  const n = isFailure(link) ? NaN : Number(link);
  return Number.isSafeInteger(n) ? n : null;
}

/** Start time in clock ticks, for the last look right before kill(2). */
export function readStartTicks(procRoot: string, pid: number): number | null {
  const stat = new ProcFS(procRoot).stat(pid);
  return isFailure(stat) ? null : stat.startTicks;
}
