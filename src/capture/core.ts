/**
 * A core of a confirmed hung child with `gcore -o <dir>/<incidentId> <pid>`
 * (core.enabled, off by default). Bounded in size twice: refused up front
 * when the estimate from smaps (core-estimate.ts) exceeds core.maxBytes, and
 * gcore is killed (its whole process group: gcore is a shell script around
 * gdb) and the partial file deleted as soon as the file grows past it. gcore
 * runs through runTracerOnTarget (capture-stack.ts): the same before/after
 * checks and SIGCONT repair as a stack capture. Returns data, never throws.
 */
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ProcFS } from '../proc/fs.js';
import { isFailure } from '../proc/read.js';
import { CAPTURE_ENV } from './backends.js';
import { runTracerOnTarget, type RunProgramFn } from './capture-stack.js';
import { estimateCoreBytes, parseCoredumpFilter, type CoreEstimate } from './core-estimate.js';
import { ensureCoresDir, freeBytes, removeQuietly } from './core-files.js';
import { verifyIdentity } from './identity.js';
import type { TargetAfterCapture } from './types.js';

export type CoreOutcome = 'written' | 'refused' | 'aborted' | 'timeout' | 'failed';

/** What the incident evidence (extra.core) and the bundle record. */
export interface CoreResult {
  outcome: CoreOutcome;
  /** The core file, when written (deleted when it was not). */
  path: string | null;
  bytes: number | null;
  sha256: string | null;
  /** The smaps estimate the up-front check used. */
  estimateBytes: number | null;
  maxBytes: number;
  durationMs: number;
  reason: string | null;
  command: string[];
  pid: number;
  takenAt: number;
  targetAfter?: TargetAfterCapture;
  /** Set by the retention sweep when the file is removed later. */
  deletedAt?: number;
  deletedReason?: string;
}

export interface CoreOptions {
  dir: string;
  maxBytes: number;
  gcorePath: string;
  timeoutMs: number;
  procRoot: string;
  /** How often the growing file is looked at (default 20 ms). */
  pollMs?: number;
  run?: RunProgramFn;
  linux?: boolean;
  settleMs?: number;
  now?: () => number;
  /** false: skip the up-front smaps estimate and rely on the size watch alone (tests of the watch). */
  estimate?: boolean;
}

export interface CoreTarget {
  incidentId: string;
  pid: number;
  startTimeMs: number;
}

/** Keep this much free on the filesystem beyond the core itself. */
const FREE_HEADROOM_FACTOR = 2;

export async function takeCore(target: CoreTarget, opts: CoreOptions): Promise<CoreResult> {
  const started = performance.now();
  const prefix = join(opts.dir, target.incidentId);
  const file = `${prefix}.${target.pid}`;
  const command = [opts.gcorePath, '-o', prefix, String(target.pid)];
  const base = {
    path: null,
    bytes: null,
    sha256: null,
    estimateBytes: null as number | null,
    maxBytes: opts.maxBytes,
    command,
    pid: target.pid,
    takenAt: (opts.now ?? Date.now)(),
  };
  const done = (outcome: CoreOutcome, reason: string | null, extra: Partial<CoreResult> = {}): CoreResult => ({
    ...base,
    outcome,
    reason,
    durationMs: elapsed(started),
    ...extra,
  });

  if (!isAbsolute(opts.gcorePath)) return done('failed', 'gcore unavailable: tools.gcore was not found at start');
  if (verifyIdentity(opts.procRoot, target) === 'gone')
    return done('failed', 'the child is gone (or its pid was reused): no core');
  const estimate = opts.estimate === false ? null : readEstimate(opts.procRoot, target.pid);
  base.estimateBytes = estimate?.bytes ?? null;
  if (estimate && estimate.bytes > opts.maxBytes) {
    return done(
      'refused',
      `estimated core size ${estimate.bytes} bytes (${estimate.dumped} of ${estimate.mappings} mappings, coredump_filter 0x${estimate.filter.toString(16)}) exceeds core.maxBytes ${opts.maxBytes}: not taken`,
    );
  }
  try {
    ensureCoresDir(opts.dir);
  } catch (err) {
    return done('failed', `cannot create ${opts.dir}: ${(err as Error).message}`);
  }
  const free = freeBytes(opts.dir);
  if (free !== null && free < FREE_HEADROOM_FACTOR * opts.maxBytes) {
    return done(
      'refused',
      `only ${free} bytes free on the filesystem of ${opts.dir} (< ${FREE_HEADROOM_FACTOR} × core.maxBytes): not taken`,
    );
  }
  removeQuietly(file); // a leftover of an earlier try would make gcore's "was it written" check lie

  const watch = watchSize(file, opts.maxBytes, opts.pollMs ?? 20);
  const t = await runTracerOnTarget(target.pid, opts.gcorePath, ['-o', prefix, String(target.pid)], {
    procRoot: opts.procRoot,
    timeoutMs: opts.timeoutMs,
    maxOutputBytes: 64 * 1024,
    env: CAPTURE_ENV,
    // Two bounds on the file: the size watch kills gcore once it passes maxBytes; RLIMIT_FSIZE makes the kernel refuse the write itself.
    fileSizeBytes: opts.maxBytes + 1,
    signal: watch.signal,
    ...(opts.run ? { run: opts.run } : {}),
    ...(opts.linux !== undefined ? { linux: opts.linux } : {}),
    ...(opts.settleMs !== undefined ? { settleMs: opts.settleMs } : {}),
  });
  const peak = watch.stop();
  const after = t.targetAfter ? { targetAfter: t.targetAfter } : {};
  const harm = t.harm ? `; ${t.harm}` : '';
  if (!t.run) return done(t.refusal.outcome === 'refused' ? 'refused' : 'failed', t.refusal.reason);
  const r = t.run;
  const size = fileSize(file);
  if (r.aborted || (size !== null && size > opts.maxBytes)) {
    removeQuietly(file);
    return done(
      'aborted',
      `core passed core.maxBytes ${opts.maxBytes} while being written (${Math.max(peak, size ?? 0)} bytes seen): gcore killed, partial file deleted${harm}`,
      after,
    );
  }
  if (r.timedOut) {
    removeQuietly(file);
    return done(
      'timeout',
      `gcore did not finish within ${opts.timeoutMs} ms: killed (SIGKILL, its process group), partial file deleted${harm}`,
      after,
    );
  }
  if (r.failed || size === null) {
    removeQuietly(file);
    const why =
      firstLine(r.stderr) ??
      firstLine(r.stdout) ??
      (r.notFound ? `${opts.gcorePath} not found` : `exit ${r.exitCode ?? r.signal}`);
    return done('failed', `gcore failed: ${why}${harm}`, after);
  }
  chmodSync(file, 0o600);
  const sha256 = await hashFile(file);
  return done('written', t.harm, { path: file, bytes: size, sha256, ...after });
}

function readEstimate(procRoot: string, pid: number): CoreEstimate | null {
  const fs = new ProcFS(procRoot);
  const smaps = fs.smaps(pid, false);
  if (isFailure(smaps)) return null;
  const filter = fs.text(pid, 'coredump_filter');
  const est = estimateCoreBytes(smaps, parseCoredumpFilter(isFailure(filter) ? null : filter));
  return est.mappings > 0 ? est : null;
}

/** Poll the file gcore writes; abort once it passes maxBytes. stop() returns the largest size seen. */
function watchSize(file: string, maxBytes: number, pollMs: number): { signal: AbortSignal; stop: () => number } {
  const ac = new AbortController();
  let peak = 0;
  const timer = setInterval(() => {
    const size = fileSize(file);
    if (size === null) return;
    peak = Math.max(peak, size);
    if (size > maxBytes && !ac.signal.aborted) ac.abort();
  }, pollMs);
  return {
    signal: ac.signal,
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

function fileSize(file: string): number | null {
  try {
    return statSync(file).size;
  } catch {
    return null;
  }
}

function hashFile(file: string): Promise<string | null> {
  return new Promise((resolve) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => h.update(chunk))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', () => resolve(null));
  });
}

function firstLine(s: string): string | null {
  const line = s.split('\n').find((l) => l.trim() !== '');
  return line ? line.trim().slice(0, 300) : null;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
