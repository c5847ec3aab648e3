/**
 * What `forkwatch scan` learnt about its overdue children after the scan
 * (kernel samples, one stack capture, the signature match and the verdict),
 * as plain data: src/cli/scan-confirm.ts fills it from the capture and match
 * stages; the report's JSON, table and exit status read it.
 */
import type { ChildReport } from '../classify/types.js';

export interface ChildConfirmation {
  pid: number;
  startTimeMs: number;
  /** Its kernel samples show it using CPU, at least 5% of the gap (why): not stuck, not captured; the report marks it progressing. */
  progressed: string | null;
  /** The deadlock verdict (src/match/verdict.ts), null while unconfirmed. */
  verdict: {
    by: 'signature' | 'kernel';
    signatureId: string;
    signatureTitle: string;
    severity: string;
    fingerprint: string | null;
  } | null;
  /** Provably blocked over the kernel samples taken without ptrace in between (or why not); null where /proc has none. */
  kernel: { blocked: boolean; reasons: string[]; wchan: string | null; syscall: string | null } | null;
  /** The one stack capture of this child (this run's or, with --watch, an earlier one). */
  capture: {
    backend: string | null;
    ok: boolean;
    outcome: string | null;
    reason: string | null;
    durationMs: number;
    frames: number;
  } | null;
  /** Signatures that matched the captured stack, best first. */
  matches: { signatureId: string; title: string; severity: string; rule: string }[];
  /** The JVM thread that forked it, where found. */
  forkingThread: { tid: number; name: string; javaName?: string | null; jenkinsJob?: string | null } | null;
  /** Why there is no capture or match: --no-capture, capture disabled, the process is gone. */
  note: string | null;
  /** A lingering child (old, never exec'd, not overdue by its state) that its one stack named: the second look. */
  secondLook: boolean;
}

export interface ScanConfirmation {
  /** capture: kernel evidence + capture + match; kernel-only: --no-capture or capture.enabled false; none: nothing could be done here. */
  mode: 'capture' | 'kernel-only' | 'none';
  /** Why mode is not capture. */
  reason: string | null;
  /** The gap between the two kernel samples of a child not yet captured. */
  sampleGapMs: number | null;
  children: ChildConfirmation[];
}

export function confirmationOf(conf: ScanConfirmation | undefined, c: ChildReport): ChildConfirmation | null {
  return conf?.children.find((x) => x.pid === c.child.pid && x.startTimeMs === c.child.startTimeMs) ?? null;
}

export function confirmedCount(conf: ScanConfirmation | undefined): number {
  return conf?.children.filter((c) => c.verdict !== null).length ?? 0;
}

/** One line: the signature, the kernel proof, or why the child is not confirmed. */
export function describeConfirmation(c: ChildConfirmation | null): string {
  if (!c) return '-';
  if (c.verdict?.by === 'signature')
    return `${c.verdict.signatureId}: ${c.verdict.signatureTitle}${c.secondLook ? ' (second look: not overdue by its state)' : ''}`;
  if (c.verdict)
    return `${c.verdict.signatureId} (kernel proof): ${c.kernel?.reasons.at(-1) ?? ''}; wchan ${c.kernel?.wchan ?? '?'}`;
  const why: string[] = [];
  if (c.capture && !c.capture.ok) why.push(`capture failed: ${c.capture.reason ?? c.capture.outcome ?? 'unknown'}`);
  else if (c.capture)
    why.push(
      c.matches.length
        ? `no deadlock signature (${c.matches.map((m) => m.signatureId).join(', ')})`
        : `no signature matched (${c.capture.frames} frames)`,
    );
  if (c.note) why.push(c.note);
  if (c.kernel && !c.kernel.blocked) why.push(`not proven blocked: ${c.kernel.reasons[0] ?? '?'}`);
  return why.join('; ') || 'unconfirmed';
}
