/**
 * The capture stage for the daemon: per suspect (an overdue never-exec'd
 * child), every scan, read kernel evidence first (before any ptrace), judge
 * "provably blocked" over the samples, and capture the stack once per
 * identity (pid, start time) — again only after recaptureAfterMs — with the
 * first installed backend in the configured order, at most
 * capture.concurrency at once. Also names the parent's forking thread and,
 * when threadDump.enabled, its Java name and Jenkins job. Never throws.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import { readKernelEvidence } from '../proc/kernel-evidence.js';
import { assessProvablyBlocked, progressed, type BlockedVerdict } from '../classify/kernel-evidence-rule.js';
import { identityOf } from '../classify/classify.js';
import { detectBackends, resolveExecutable, type CaptureBackend, type DetectDeps } from './backends.js';
import { captureStack, type ParseStackFn, type RunProgramFn } from './capture-stack.js';
import { findForkingThread } from './forking-thread.js';
import { createLimiter } from './limit.js';
import { verifyIdentity } from './identity.js';
import { sleep } from '../util/sleep.js';
import { printable } from '../util/printable.js';
import {
  findForkingJavaThread,
  jenkinsJobFromThreadName,
  takeThreadDump,
  type ThreadDumpResult,
} from './thread-dump.js';
import type { CaptureResult, ForkingThread, KernelEvidence } from './types.js';

export interface Suspect {
  pid: number;
  startTimeMs: number;
  /** The direct parent (the JVM for a direct child). */
  ppid: number;
  /** The child's comm as scanned (Linux: the forking thread's name). */
  comm?: string;
}

/** The capturer's view of a scanned child (its ChildReport's `child`): who it is, and its parent's pid and comm. */
export function suspectOf(child: Suspect): Suspect {
  return { pid: child.pid, startTimeMs: child.startTimeMs, ppid: child.ppid, comm: child.comm };
}

export interface SuspectEvidence {
  pid: number;
  startTimeMs: number;
  /** The pid no longer holds this identity (exited, or reused): nothing else was done. */
  gone: boolean;
  /** This scan's sample, read before any ptrace; null off Linux or when unreadable. */
  kernel: KernelEvidence | null;
  /** Over the samples since the last ptrace of this identity. */
  blocked: BlockedVerdict;
  /** The latest capture of this identity (this call's when freshCapture). */
  capture: CaptureResult | null;
  freshCapture: boolean;
  /** The samples since the last attach show it using CPU, at least BUSY_CPU_SHARE of the time between them (why), or null. */
  progressed: string | null;
  forkingThread: ForkingThread | null;
}

export interface CapturerDeps {
  /** The stack parser (default: src/capture/parse's parseStack). */
  parseStack?: ParseStackFn;
  run?: RunProgramFn;
  now?: () => number;
  logger?: Logger;
  detect?: DetectDeps;
  /** Backends to use instead of detecting (tests). */
  backends?: CaptureBackend[];
  arch?: string;
  platform?: NodeJS.Platform;
  /** How long a thread dump of one JVM serves all its children (one scan's worth). */
  threadDumpTtlMs?: number;
  /** The wait between a new child's two first samples (tests: a fake clock); ends early when the signal fires. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<unknown>;
}

/**
 * Between a new suspect's two first kernel samples: long enough for a live
 * process to use CPU or switch, short enough for a tick or a cron check. A
 * healthy child passing through a futex wait does not stay in it, with no
 * CPU time and no context switch, for a second.
 */
export const SAMPLE_GAP_MS = 1000;

export interface Capturer {
  readonly backends: readonly CaptureBackend[];
  /**
   * capture: false takes the kernel sample only (no ptrace); firstGapMs makes
   * a suspect's first call sample twice, that gap apart, before its capture.
   */
  captureSuspect(suspect: Suspect, opts?: CaptureSuspectOptions): Promise<SuspectEvidence>;
  /** Drop state of identities that are no longer suspects (call once per scan). */
  retain(live: Iterable<{ pid: number; startTimeMs: number }>): void;
}

type CaptureConfig = Pick<Config, 'capture' | 'tools' | 'procRoot' | 'threadDump'>;

interface IdentityState {
  samples: KernelEvidence[];
  capture: CaptureResult | null;
  capturedAt: number | null;
  forkingThread: ForkingThread | null;
  inFlight: Promise<SuspectEvidence> | null;
  /** Its first two samples were taken a gap apart (firstGapMs). */
  gapTaken: boolean;
}

const MAX_SAMPLES = 8;

export interface CaptureSuspectOptions {
  /** false: the kernel sample only, no stack capture (forkwatch scan --no-capture). */
  capture?: boolean;
  /**
   * No capture when the samples show the child doing its own work (CPU time
   * or voluntary switches grew): a one-shot scan, whose overdue list comes
   * from one read, does not ptrace a child its own samples clear.
   */
  skipIfProgressed?: boolean;
  /**
   * A child met for the first time is sampled, then sampled again this long
   * after, before its capture is decided (once per identity): the
   * suspect list comes from one read of /proc, and a busy child caught
   * between the runqueue and sleep looks blocked there. With
   * skipIfProgressed, a child those two samples show moving is not traced.
   * The daemon and `forkwatch scan` both pass SAMPLE_GAP_MS.
   */
  firstGapMs?: number;
  /** The tick's deadline: a tracer still running when it fires is killed, and no further backend is tried. */
  signal?: AbortSignal;
}

export function createCapturer(config: CaptureConfig, deps: CapturerDeps = {}): Capturer {
  // Resolved once, here (the daemon builds its capturer at start, with tools already absolute): the box runs absolute paths only.
  const backends = deps.backends ?? detectBackends(config, deps.detect);
  const jcmdPath = config.tools.jcmd === '' ? '' : (resolveExecutable(config.tools.jcmd, deps.detect) ?? '');
  const limiter = createLimiter(config.capture.concurrency);
  const now = deps.now ?? Date.now;
  const wait = deps.sleep ?? sleep;
  const linux = (deps.platform ?? process.platform) === 'linux';
  const states = new Map<string, IdentityState>();
  const dumps = new Map<number, { at: number; result: Promise<ThreadDumpResult> }>();

  const stateOf = (s: Suspect): IdentityState => {
    const key = identityOf(s);
    let st = states.get(key);
    if (!st) {
      st = {
        samples: [],
        capture: null,
        capturedAt: null,
        forkingThread: null,
        inFlight: null,
        gapTaken: false,
      };
      states.set(key, st);
    }
    return st;
  };

  const captureDue = (st: IdentityState): boolean =>
    config.capture.enabled &&
    (st.capturedAt === null ||
      (config.capture.recaptureAfterMs > 0 && now() - st.capturedAt >= config.capture.recaptureAfterMs));

  const threadDumpOf = (ppid: number): Promise<ThreadDumpResult> => {
    const hit = dumps.get(ppid);
    if (hit && now() - hit.at < (deps.threadDumpTtlMs ?? 10_000)) return hit.result;
    const result = limiter.run(() =>
      takeThreadDump(ppid, {
        jcmdPath,
        timeoutMs: config.threadDump.timeoutMs,
        maxOutputBytes: config.capture.maxOutputBytes * 8,
        procRoot: config.procRoot,
        linux,
        ...(deps.run ? { run: deps.run } : {}),
      }),
    );
    dumps.set(ppid, { at: now(), result });
    return result;
  };

  const nameForkingThread = async (s: Suspect, st: IdentityState): Promise<void> => {
    if (st.forkingThread) return;
    const ft = findForkingThread({
      procRoot: config.procRoot,
      parentPid: s.ppid,
      childPid: s.pid,
      ...(s.comm ? { childComm: s.comm } : {}),
      ...(deps.arch ? { arch: deps.arch } : {}),
    });
    if (ft && config.threadDump.enabled) {
      const dump = await threadDumpOf(s.ppid);
      const jt = dump.dump ? findForkingJavaThread(dump.dump.threads, { tid: ft.tid, comm: ft.name }) : null;
      if (jt)
        Object.assign(ft, {
          javaName: jt.name,
          jenkinsJob: jenkinsJobFromThreadName(jt.name),
          javaStack: jt.frames,
          identifiedBy: jt.nid === ft.tid ? 'thread-dump' : ft.identifiedBy,
        });
      else {
        // one dump per forking thread: say why this one has no Java stack, in the incident and the log
        // (jcmd's own words may quote what the target answered: printable, as every shown text of a target)
        ft.javaStackReason = printable(
          dump.reason ?? 'no thread of the dump was in forkAndExec with that native id or name',
        );
        deps.logger?.warn(
          { pid: s.pid, ppid: s.ppid, tid: ft.tid, reason: ft.javaStackReason },
          "no Java stack of the forking thread: the parent's thread dump did not give it",
        );
      }
    }
    st.forkingThread = ft;
  };

  const captureWithBackends = async (s: Suspect, signal: AbortSignal | undefined): Promise<CaptureResult> => {
    let last: CaptureResult | null = null;
    for (const backend of backends) {
      if (signal?.aborted) break;
      last = await limiter.run(() =>
        captureStack(s, backend, {
          procRoot: config.procRoot,
          timeoutMs: config.capture.timeoutMs,
          maxOutputBytes: config.capture.maxOutputBytes,
          linux,
          ...(deps.parseStack ? { parseStack: deps.parseStack } : {}),
          ...(deps.run ? { run: deps.run } : {}),
          ...(signal ? { signal } : {}),
        }),
      );
      deps.logger?.info(
        { pid: s.pid, backend: backend.name, outcome: last.outcome, durationMs: last.durationMs, reason: last.reason },
        'stack capture',
      );
      // Refusals repeat with every tool; a harmed target must not be attached again.
      if (last.ok || last.outcome === 'refused' || last.targetAfter?.sameProcess === false) break;
      if (last.targetAfter && (last.targetAfter.stopped || last.targetAfter.traced)) break;
    }
    return last ?? noBackendResult(s);
  };

  const sample = (s: Suspect): KernelEvidence | null =>
    linux
      ? readKernelEvidence(s.pid, { procRoot: config.procRoot, now, ...(deps.arch ? { arch: deps.arch } : {}) })
      : null;

  const goneEvidence = (s: Suspect, st: IdentityState): SuspectEvidence => ({
    pid: s.pid,
    startTimeMs: s.startTimeMs,
    gone: true,
    kernel: null,
    blocked: { blocked: false, reasons: ['process gone'] },
    capture: st.capture,
    freshCapture: false,
    progressed: null,
    forkingThread: st.forkingThread,
  });

  /** A suspect met for the first time: a sample now, the next (the caller's) firstGapMs later. Once per identity. */
  const firstSample = async (s: Suspect, st: IdentityState, opts: CaptureSuspectOptions): Promise<boolean> => {
    if (!opts.firstGapMs || st.gapTaken) return false;
    st.gapTaken = true;
    const first = sample(s);
    if (!first) return false;
    st.samples = [...st.samples, first].slice(-MAX_SAMPLES);
    await wait(opts.firstGapMs, opts.signal);
    return true;
  };

  const run = async (s: Suspect, st: IdentityState, opts: CaptureSuspectOptions): Promise<SuspectEvidence> => {
    const base = { pid: s.pid, startTimeMs: s.startTimeMs };
    if (verifyIdentity(config.procRoot, s) === 'gone') return goneEvidence(s, st);
    // The gap may have seen it exit, or its pid reused.
    if ((await firstSample(s, st, opts)) && verifyIdentity(config.procRoot, s) === 'gone') return goneEvidence(s, st);
    const kernel = sample(s);
    if (kernel) st.samples = [...st.samples, kernel].slice(-MAX_SAMPLES);
    const blocked = assessProvablyBlocked(st.samples);
    const moved = progressed(st.samples);
    if (linux) await nameForkingThread(s, st);
    let fresh = false;
    if (opts.capture !== false && !(opts.skipIfProgressed && moved) && captureDue(st)) {
      st.capture = await captureWithBackends(s, opts.signal);
      st.capturedAt = now();
      fresh = true;
      // An attach changes context switches and may restart the wait: later samples start afresh.
      if (st.capture.command && st.capture.outcome !== 'refused') st.samples = [];
    }
    return {
      ...base,
      gone: false,
      kernel,
      blocked,
      capture: st.capture,
      freshCapture: fresh,
      progressed: moved,
      forkingThread: st.forkingThread,
    };
  };

  return {
    backends,
    captureSuspect(s, opts) {
      const st = stateOf(s);
      if (st.inFlight) return st.inFlight;
      const p = run(s, st, opts ?? {}).finally(() => {
        st.inFlight = null;
      });
      st.inFlight = p;
      return p;
    },
    retain(live) {
      const keep = new Set([...live].map(identityOf));
      for (const key of states.keys()) if (!keep.has(key)) states.delete(key);
      for (const [ppid, d] of dumps) if (now() - d.at > (deps.threadDumpTtlMs ?? 10_000)) dumps.delete(ppid);
    },
  };
}

function noBackendResult(s: Suspect): CaptureResult {
  return {
    backend: null,
    pid: s.pid,
    startTimeMs: s.startTimeMs,
    ok: false,
    failed: true,
    timedOut: false,
    outcome: 'failed',
    reason: 'no capture tool installed (looked for capture.order in tools.*: eu-stack, gdb, pstack, gstack)',
    durationMs: 0,
    stack: null,
    raw: '',
  };
}
