/**
 * Which capture backends are installed (the tools resolved as the daemon
 * resolves them), and whether each can attach: run through the tracer box
 * (runTracerOnTarget, as a capture does) against a child of doctor's own,
 * its output parsed by the capture's parser.
 */
import { buildCaptureArgs, CAPTURE_ENV, detectBackends, type CaptureBackend } from '../capture/backends.js';
import { runTracerOnTarget } from '../capture/capture-stack.js';
import { parseStack } from '../capture/parse/index.js';
import type { Config } from '../config/config.js';
import { startOwnSleeper } from './own-child.js';
import { result, type CheckResult } from './types.js';

const INSTALL_FIX =
  'install a tracer: apt-get install elfutils (eu-stack) or gdb; or set tools.<name> to its absolute path';
/** A capture of a one-thread sleep takes ~10 ms (eu-stack) to ~1 s (gdb); the daemon's own timeout if shorter. */
const ATTACH_TIMEOUT_MS = 15_000;

/** config: as resolved at start (withResolvedTools): unavailable tracers are ''. */
export function backendsInstalled(config: Config): { line: CheckResult; backends: CaptureBackend[] } {
  const backends = detectBackends(config);
  const missing = config.capture.order.filter((n) => !backends.some((b) => b.name === n));
  const found = backends.map((b) => `${b.name} (${b.path})`).join(', ');
  const detail = `${found || 'none'} of capture.order [${config.capture.order.join(', ')}]${missing.length ? `; not found: ${missing.join(', ')}` : ''}`;
  if (!config.capture.enabled)
    return { line: result('capture backends', 'skip', `capture.enabled is false; ${detail}`), backends: [] };
  return { line: result('capture backends', backends.length ? 'ok' : 'fail', detail, INSTALL_FIX), backends };
}

export async function attachChecks(config: Config, backends: CaptureBackend[]): Promise<CheckResult[]> {
  if (backends.length === 0) return [];
  const child = await startOwnSleeper();
  if (!child)
    return backends.map((b) =>
      result(`attach ${b.name}`, 'unknown', 'no sleep in /usr/bin:/bin to attach to', 'install coreutils'),
    );
  try {
    const out: CheckResult[] = [];
    for (const b of backends) out.push(await attachOne(config, b, child.pid));
    return out;
  } finally {
    await child.stop();
  }
}

async function attachOne(config: Config, b: CaptureBackend, pid: number): Promise<CheckResult> {
  const check = `attach ${b.name}`;
  const timeoutMs = Math.min(ATTACH_TIMEOUT_MS, Math.max(config.capture.timeoutMs, 5000));
  const t = await runTracerOnTarget(pid, b.path, buildCaptureArgs(b.name, pid), {
    procRoot: config.procRoot,
    timeoutMs,
    maxOutputBytes: config.capture.maxOutputBytes,
    env: CAPTURE_ENV,
  });
  if (!t.run) return result(check, 'fail', `not run: ${t.refusal.reason}`, null);
  const r = t.run;
  const parsed = parseStack(r.stdout, b.format);
  const frames = parsed.threads.reduce((n, th) => n + th.frames.length, 0);
  const ms = `${Math.round(r.durationMs)} ms`;
  if (!r.failed && frames > 0)
    return result(
      check,
      'ok',
      `${b.name} -p ${pid} (doctor's own sleep): ${parsed.threads.length} thread(s), ${frames} frame(s) parsed as ${parsed.format} in ${ms}`,
    );
  const why = firstReason(r.stderr + '\n' + r.stdout) ?? r.cause ?? 'no frames in its output';
  const status = frames > 0 ? 'warn' : 'fail';
  return result(check, status, `${b.name} against doctor's own sleep (pid ${pid}): ${why} (${ms})`, attachFix(why));
}

function firstReason(text: string): string | null {
  const line = text.split('\n', 200).find((l) => /denied|not permitted|ptrace|cannot|couldn't|error/i.test(l));
  return line ? line.trim().slice(0, 240) : null;
}

function attachFix(why: string): string {
  if (/not permitted|denied|ptrace/i.test(why)) {
    return 'attaching is refused: grant CAP_SYS_PTRACE (or run as root), and check kernel.yama.ptrace_scope (see the yama line)';
  }
  return 'run the tool by hand against a process of yours to see why (e.g. eu-stack -p $$)';
}
