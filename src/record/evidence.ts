/** Evidence shaping: caps, merge, the light snapshot stored with outbox rows. */
import type { ChildReport, TargetProcess } from '../classify/types.js';
import type { CaptureResult } from '../capture/types.js';
import type { KernelEvidence } from '../proc/kernel-evidence.js';
import type { MatchResult } from '../match/types.js';
import type { ProcessInfo } from '../scan/types.js';
import { redactText } from '../util/redact.js';
import type { IncidentEvidence, ProcessFacts, SuspectObservation } from './types.js';

/** Raw stack text and thread dumps are kept up to this many bytes (UTF-8). */
export const MAX_RAW_STACK_BYTES = 256 * 1024;
/** Newest kernel evidence samples kept per incident. */
export const MAX_KERNEL_SAMPLES = 20;

export function toProcessFacts(p: ProcessInfo, user?: string | null): ProcessFacts {
  return {
    pid: p.pid,
    ppid: p.ppid,
    startTimeMs: p.startTimeMs,
    stateCode: p.stateCode,
    threads: p.threads,
    uid: p.uid,
    user: user ?? null,
    comm: p.comm,
    // Redacted before it is stored (src/util/redact.ts): the classifier compared the raw bytes already.
    cmdline: redactText(p.cmdline.toString('utf8').replace(/\0+$/, '').replace(/\0/g, ' ')),
    cmdlineTruncated: p.cmdlineTruncated,
    exe: p.exe,
    cpuTimeMs: p.cpuTimeMs,
  };
}

/** A classify ChildReport (overdue, never-exec'd) as the store's observation. */
export function toSuspectObservation(
  child: ChildReport,
  target?: TargetProcess | null,
  kernel?: KernelEvidence | null,
): SuspectObservation {
  return {
    targetName: child.target.name,
    targetPid: child.target.pid,
    targetStartMs: child.target.startTimeMs,
    targetUser: target?.user ?? null,
    childPid: child.child.pid,
    childStartMs: child.child.startTimeMs,
    overdueSince: child.overdueSince,
    child: toProcessFacts(child.child),
    parent: target ? toProcessFacts(target.process, target.user) : null,
    kernel: kernel ?? null,
  };
}

/** Cut s to at most maxBytes of UTF-8 without splitting a character. */
export function capText(s: string, maxBytes: number): { text: string; truncated: boolean } {
  if (s.length <= maxBytes / 4 || Buffer.byteLength(s, 'utf8') <= maxBytes) return { text: s, truncated: false };
  const buf = Buffer.from(s, 'utf8').subarray(0, maxBytes);
  // Decoding drops a trailing partial character as U+FFFD; strip it.
  return { text: buf.toString('utf8').replace(/\uFFFD$/, ''), truncated: true };
}

/** Merge a partial into stored evidence: top-level keys replace, kernel samples append (bounded), texts capped. */
export function mergeEvidence(base: IncidentEvidence, partial: IncidentEvidence): IncidentEvidence {
  const out: IncidentEvidence = { ...base };
  for (const [k, v] of Object.entries(partial) as [keyof IncidentEvidence, unknown][]) {
    if (v === undefined || k === 'kernel') continue;
    (out as Record<string, unknown>)[k] = v;
  }
  if (partial.stack) out.stack = stripRaw(partial.stack);
  if (typeof partial.stackRaw === 'string') {
    const c = capText(partial.stackRaw, MAX_RAW_STACK_BYTES);
    out.stackRaw = c.text;
    out.stackRawTruncated = c.truncated || partial.stackRawTruncated === true;
  }
  if (typeof partial.threadDump === 'string') out.threadDump = capText(partial.threadDump, MAX_RAW_STACK_BYTES).text;
  if (partial.kernel && partial.kernel.length > 0) out.kernel = appendKernel(base.kernel ?? [], partial.kernel);
  return out;
}

/** Keeps the first sample (when the wait began) and the newest ones: together they show "no progress since". */
export function appendKernel(samples: KernelEvidence[], more: KernelEvidence[]): KernelEvidence[] {
  const all = [...samples, ...more];
  if (all.length <= MAX_KERNEL_SAMPLES) return all;
  return [all[0] as KernelEvidence, ...all.slice(-(MAX_KERNEL_SAMPLES - 1))];
}

const BULK_KEYS = ['stackRaw', 'stackRawTruncated', 'stack', 'threadDump'] as const;

/** Splits evidence into the small part (rewritten every tick) and the bulky part (written rarely). */
export function splitEvidence(e: IncidentEvidence): { light: IncidentEvidence; bulk: IncidentEvidence } {
  const light: IncidentEvidence = { ...e };
  const bulk: IncidentEvidence = {};
  for (const k of BULK_KEYS) {
    if (k in light) {
      (bulk as Record<string, unknown>)[k] = light[k];
      delete light[k];
    }
  }
  return { light, bulk };
}

export function touchesBulk(partial: IncidentEvidence): boolean {
  return BULK_KEYS.some((k) => partial[k] !== undefined);
}

function stripRaw(stack: NonNullable<IncidentEvidence['stack']>): NonNullable<IncidentEvidence['stack']> {
  if (!('raw' in stack)) return stack;
  const { raw: _raw, ...rest } = stack as typeof stack & { raw?: unknown };
  return rest;
}

/** A stack capture and its match, as the incident's evidence. */
export function captureEvidence(capture: CaptureResult, match: MatchResult | null, at: number): IncidentEvidence {
  const stack = capture.stack ? (({ raw: _raw, ...rest }) => rest)(capture.stack) : null;
  return {
    stackRaw: capture.raw || null,
    ...(stack ? { stack } : {}),
    ...(match ? { matches: match.matches } : {}),
    capture: {
      backend: capture.backend,
      at,
      ok: capture.ok,
      timedOut: capture.timedOut,
      durationMs: capture.durationMs,
      reason: capture.reason,
    },
  };
}
