/**
 * One stack capture of one process with one backend: check the target, run
 * the tracer (argument array, timeout then SIGKILL, output cap), verify the
 * target is unharmed (repairing what a killed tracer left), parse. Always
 * returns a CaptureResult; never throws.
 */
import { runProgram, type RunOptions, type RunResult } from '../util/run-program.js';
import { buildCaptureArgs, CAPTURE_ENV, type CaptureBackend } from './backends.js';
import { parseStack as defaultParseStack } from './parse/index.js';
import { explainRefusal, looksRefused, readPtraceAccessFacts } from './ptrace-access.js';
import { readTargetHealth, verifyTargetUnharmed, type TargetHealth } from './target-health.js';
import { tracerBox } from './tools.js';
import type { CaptureOutcome, CaptureResult, ParsedStack, StackFormat, TargetAfterCapture } from './types.js';

export type ParseStackFn = (text: string, format?: StackFormat) => ParsedStack;
export type RunProgramFn = (command: string, args: string[], opts: RunOptions) => Promise<RunResult>;

export interface CaptureStackOptions {
  procRoot: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /** The stack parser (default: src/capture/parse's parseStack). */
  parseStack?: ParseStackFn;
  run?: RunProgramFn;
  /** Linux /proc checks before and after (elsewhere /proc is not readable as text: skipped). Default: process.platform. */
  linux?: boolean;
  /** After an abnormal tracer end, how long to watch the target (see target-health.ts). */
  settleMs?: number;
  /** Kill the tracer now (the tick's deadline): an abnormal end, checked like a timeout. */
  signal?: AbortSignal;
}

export interface CaptureTarget {
  pid: number;
  startTimeMs: number;
}

export async function captureStack(
  target: CaptureTarget,
  backend: CaptureBackend,
  opts: CaptureStackOptions,
): Promise<CaptureResult> {
  const started = performance.now();
  const args = buildCaptureArgs(backend.name, target.pid);
  const base = {
    backend: backend.name,
    pid: target.pid,
    startTimeMs: target.startTimeMs,
    command: [backend.path, ...args],
  };
  const t = await runTracerOnTarget(target.pid, backend.path, args, { ...opts, env: CAPTURE_ENV });
  if (!t.run) return { ...base, ...emptyOutcome(t.refusal.outcome, t.refusal.reason), durationMs: elapsed(started) };
  const r = t.run;
  const raw = r.stdout;
  const parsed =
    raw.trim() !== '' && !r.timedOut ? parseSafely(raw, backend.format, opts.parseStack ?? defaultParseStack) : null;
  const hasFrames = parsed !== null && parsed.threads.some((th) => th.frames.length > 0);
  const { outcome, reason } = judgeRun(r, backend, target.pid, opts, hasFrames);
  const stack = outcome === 'ok' ? parsed : null;
  return {
    ...base,
    ok: outcome === 'ok',
    failed: outcome !== 'ok',
    timedOut: r.timedOut,
    outcome,
    reason: [reason, t.harm].filter(Boolean).join('; ') || null,
    durationMs: elapsed(started),
    stack,
    raw,
    ...(t.targetAfter ? { targetAfter: t.targetAfter } : {}),
  };
}

export interface TracerRunOptions {
  procRoot: string;
  timeoutMs: number;
  maxOutputBytes: number;
  run?: RunProgramFn;
  linux?: boolean;
  settleMs?: number;
  /** Fixed additions to the box's environment (e.g. CAPTURE_ENV); never anything of forkwatch's. */
  env?: Readonly<Record<string, string>>;
  /** Run as this user (setpriv), e.g. jcmd as the JVM's owner. */
  runAs?: { uid: number; gid: number };
  /** RLIMIT_AS of the tracer (default tools.ts TRACER_ADDRESS_SPACE_BYTES); null: unlimited (jcmd is a JVM). */
  addressSpaceBytes?: number | null;
  /** RLIMIT_FSIZE of the tracer (gcore: the kernel stops the core just past core.maxBytes). */
  fileSizeBytes?: number;
  /** Kill the tracer early (e.g. its output file grew past a bound): an abnormal end, checked like a timeout. */
  signal?: AbortSignal;
}

/** Refused before anything ran (run: null), or the run and what the after-check found. */
export type TracerRun =
  | { run: null; refusal: { outcome: CaptureOutcome; reason: string }; targetAfter?: undefined; harm: null }
  | { run: RunResult; refusal: null; targetAfter?: TargetAfterCapture; harm: string | null };

/**
 * Run one tracer (any ptrace-attaching command) on a target with the "never
 * harm the target" checks around it: read its health first and refuse a
 * zombie, a traced process or one in a tracing stop; run it in the tracer box
 * (src/util/run-boxed.ts: absolute path resolved at start, fixed environment,
 * own session, limits, output cap, a deadline that holds against escaped
 * descendants, optional early abort); then verify it is the same process, not
 * stopped and not traced, repairing (SIGCONT) what a killed tracer left.
 * Stack captures, jcmd thread dumps and gcore (core.ts) all run through here.
 */
export async function runTracerOnTarget(
  pid: number,
  command: string,
  args: string[],
  opts: TracerRunOptions,
): Promise<TracerRun> {
  const linux = opts.linux ?? process.platform === 'linux';
  const before = linux ? readTargetHealth(opts.procRoot, pid) : null;
  const refusal = linux ? refuseBeforeAttach(before) : null;
  if (refusal) return { run: null, refusal, harm: null };
  const box = tracerBox(opts.timeoutMs, {
    ...(opts.env ? { env: { ...opts.env } } : {}),
    ...(opts.runAs ? { runAs: opts.runAs } : {}),
    ...(opts.addressSpaceBytes !== undefined ? { addressSpaceBytes: opts.addressSpaceBytes } : {}),
    ...(opts.fileSizeBytes !== undefined ? { fileSizeBytes: opts.fileSizeBytes } : {}),
  });
  if ('error' in box) return { run: null, refusal: { outcome: 'failed', reason: box.error }, harm: null };
  // The box puts it in its own session and kills the group, and whatever escaped it, at the deadline:
  // gdb forks a child that SIGSTOPs itself to probe ptrace features; killed at that moment, the child
  // stays stopped, orphaned, with gdb's stdout. Wrapper scripts (gcore, gstack) leave their gdb the same way.
  const r = await runSafely(opts.run ?? runProgram, command, args, {
    timeoutMs: opts.timeoutMs,
    maxOutputBytes: opts.maxOutputBytes,
    box,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const abnormalEnd = r.timedOut || r.truncated || r.signal !== null || r.aborted === true;
  const targetAfter = before
    ? await verifyTargetUnharmed(pid, before, {
        procRoot: opts.procRoot,
        abnormalEnd,
        ...(opts.settleMs !== undefined ? { settleMs: opts.settleMs } : {}),
      })
    : undefined;
  return {
    run: r,
    refusal: null,
    ...(targetAfter ? { targetAfter } : {}),
    harm: targetAfter ? describeHarm(targetAfter) : null,
  };
}

function refuseBeforeAttach(before: TargetHealth | null): { outcome: CaptureOutcome; reason: string } | null {
  if (!before) return { outcome: 'failed', reason: 'process vanished before capture' };
  if (before.state === 'Z' || before.state === 'X')
    return { outcome: 'failed', reason: `process is a zombie (${before.state}): nothing to capture` };
  if (before.tracerPid !== 0) {
    return {
      outcome: 'refused',
      reason: `already traced by pid ${before.tracerPid} (another debugger): not attaching`,
    };
  }
  if (before.state === 't') return { outcome: 'refused', reason: 'in a tracing stop: not attaching' };
  return null;
}

/**
 * ok = the tool printed frames (a non-zero exit with frames, e.g. eu-stack
 * failing to unwind one thread of many, is still a stack, with the reason
 * kept); otherwise refused / vanished / failed from what it said.
 */
function judgeRun(
  r: RunResult,
  backend: CaptureBackend,
  pid: number,
  opts: CaptureStackOptions,
  hasFrames: boolean,
): { outcome: CaptureOutcome; reason: string | null } {
  const text = `${r.stderr}\n${r.stdout.slice(0, 4096)}`;
  if (r.timedOut)
    return {
      outcome: 'timeout',
      reason: `${backend.name} did not finish within ${opts.timeoutMs} ms: killed (SIGKILL)`,
    };
  if (r.notFound)
    return {
      outcome: 'failed',
      reason: `${backend.name} could not be started (${backend.path}): ${r.cause ?? 'not found'}`,
    };
  if (hasFrames) {
    if (r.truncated) return { outcome: 'ok', reason: `output passed ${opts.maxOutputBytes} bytes: cut there` };
    return {
      outcome: 'ok',
      reason: r.failed
        ? `${backend.name} exited ${r.exitCode ?? r.signal}: ${firstLine(r.stderr) ?? 'no message'}`
        : null,
    };
  }
  if (looksRefused(text))
    return { outcome: 'refused', reason: explainRefusal(readPtraceAccessFacts(pid, opts.procRoot)) };
  if (/No such process|ESRCH|No such file or directory/i.test(text))
    return { outcome: 'failed', reason: 'process vanished during capture' };
  const why =
    firstLine(r.stderr) ??
    (r.signal ? `killed by ${r.signal}` : r.failed ? `exit ${r.exitCode}` : 'no frames in its output');
  return { outcome: 'failed', reason: `${backend.name} failed: ${why}` };
}

/** runProgram never throws; an injected runner might: it becomes a failed run. */
async function runSafely(run: RunProgramFn, command: string, args: string[], opts: RunOptions): Promise<RunResult> {
  try {
    return await run(command, args, opts);
  } catch (err) {
    const cause = (err as Error).message ?? String(err);
    return {
      command,
      args,
      failed: true,
      timedOut: false,
      truncated: false,
      notFound: false,
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: cause,
      durationMs: 0,
      cause,
    };
  }
}

function parseSafely(raw: string, format: StackFormat, parse: ParseStackFn): ParsedStack | null {
  try {
    return parse(raw, format);
  } catch (err) {
    // Parsers are meant to be total; one that throws must not take the capture down with it.
    return { format: 'unknown', pid: null, threads: [], warnings: [`parser threw: ${(err as Error).message}`], raw };
  }
}

export function describeHarm(t: {
  sameProcess: boolean;
  stopped: boolean;
  traced: boolean;
  repaired: string[];
}): string | null {
  const parts: string[] = [];
  if (t.repaired.length > 0) parts.push(`target repaired: ${t.repaired.join(', ')}`);
  if (t.sameProcess && t.stopped) parts.push('TARGET STILL STOPPED after capture');
  if (t.sameProcess && t.traced) parts.push('TARGET STILL TRACED after capture');
  return parts.length > 0 ? parts.join('; ') : null;
}

function emptyOutcome(outcome: CaptureOutcome, reason: string) {
  return { ok: false, failed: true, timedOut: false, outcome, reason, stack: null, raw: '' };
}

function firstLine(s: string): string | null {
  const line = s.split('\n').find((l) => l.trim() !== '');
  return line ? line.trim().slice(0, 300) : null;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
