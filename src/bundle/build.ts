/**
 * The evidence bundle of one incident: everything an upstream bug report
 * needs, as one JSON document (pure: the incident and the host facts in, the
 * bundle out). Served by GET /api/v1/incidents/:id/bundle and written by
 * `forkwatch bundle ID`. docs/remediation.md describes each field.
 */
import type { Frame, KernelEvidence, ParsedStack } from '../capture/types.js';
import type { AuditRecord, Incident, IncidentSummary, ProcessFacts } from '../record/types.js';
import type { SignatureMatch } from '../match/types.js';
import type { HostFacts } from '../capture/host-facts.js';
import type { TargetFacts } from '../capture/target-facts.js';
import type { CoreResult } from '../capture/core.js';
import { redactDeep } from '../util/redact.js';
import type { AuditResult } from '../audit/types.js';
import { CORE_RESULT_KEY, FORK_RISK_KEY, TARGET_FACTS_KEY } from '../record/extra-keys.js';

export const BUNDLE_FORMAT = 'forkwatch-evidence-bundle/1';

/** The core section: named, never inlined (it is the JVM's memory). */
export interface BundleCore {
  enabled: boolean;
  implemented: true;
  /** null: no core was tried for this incident (core.enabled off then, or never confirmed). */
  outcome: CoreResult['outcome'] | null;
  path: string | null;
  bytes: number | null;
  sha256: string | null;
  estimateBytes: number | null;
  maxBytes: number | null;
  durationMs: number | null;
  takenAt: string | null;
  reason: string | null;
  /** The file was removed later (retention, total-size cap): path names what it was. */
  deleted: { at: string; reason: string | null } | null;
  note: string;
}

export interface EvidenceBundle {
  format: typeof BUNDLE_FORMAT;
  generatedAt: string;
  forkwatch: { version: string; node: string };
  host: HostFacts;
  incident: IncidentSummary;
  signature: {
    id: string | null;
    title: string | null;
    version: string | null;
    severity: string | null;
    fingerprint: string | null;
    matches: SignatureMatch[];
  };
  child: {
    process: ProcessFacts | null;
    /** Oldest first: the first sample shows when the wait began, the last that nothing moved since. */
    kernel: KernelEvidence[];
    stack: {
      raw: string | null;
      rawTruncated: boolean;
      parsed: Omit<ParsedStack, 'raw'> | null;
      capture: Incident['evidence']['capture'] | null;
    };
  };
  target: { process: ProcessFacts | null; user: string | null; facts: TargetFacts | null };
  forkingThread: {
    thread: Incident['forkingThread'];
    jenkinsJob: string | null;
    /** The Java stack from the thread dump, where one was taken. */
    javaStack: string[] | null;
    /** The thread's native stack at fork(): the child's frames from the fork call outwards (the child is a copy of that thread). */
    nativeAtFork: Frame[] | null;
    /** The kernel side while it waits (wchan, syscall, /proc/PID/task/TID/stack where readable). */
    kernel: TargetFacts['forkingThreadKernel'];
    /** The full Java thread dump text, where the daemon kept it. */
    threadDump: string | null;
  };
  audit: AuditRecord[];
  /** The target's fork-risk audit (docs/audit.md) as the daemon last saw it before the incident was confirmed; null: not audited. */
  forkRisk: (AuditResult & { auditedAt?: string }) | null;
  core: BundleCore;
  notes: string[];
}

export interface BundleContext {
  version: string;
  host: HostFacts;
  now: number;
  coreEnabled: boolean;
}

const FORK_FRAME = /^(?:__libc_fork|_Fork|__fork|fork|vfork|__vfork|arch_fork)$/;

/** Frames from the innermost fork() call outwards, of the thread that has one. */
export function framesFromFork(stack: Pick<ParsedStack, 'threads'> | null | undefined): Frame[] | null {
  for (const t of stack?.threads ?? []) {
    const i = t.frames.findIndex((f) => FORK_FRAME.test(f.fn ?? '') || FORK_FRAME.test(f.normalized ?? ''));
    if (i >= 0) return t.frames.slice(i);
  }
  return null;
}

/** Redacted (src/util/redact.ts) as a whole: the API and `forkwatch bundle` both serve exactly this. */
export function buildBundle(i: Incident, ctx: BundleContext): EvidenceBundle {
  return redactDeep(assembleBundle(i, ctx));
}

function assembleBundle(i: Incident, ctx: BundleContext): EvidenceBundle {
  const { evidence: e, audit, ...summary } = i;
  const facts = (e.extra?.[TARGET_FACTS_KEY] as TargetFacts | undefined) ?? null;
  const notes: string[] = [];
  if (!e.stackRaw)
    notes.push(
      e.capture?.reason
        ? `no child stack: ${e.capture.reason}`
        : 'no child stack was captured (capture.enabled, or the child went away first)',
    );
  if (!facts)
    notes.push(
      'no target facts (JDK version, libc): the target was gone before forkwatch gathered them, or the incident was never confirmed',
    );
  const forkRisk = (e.extra?.[FORK_RISK_KEY] as (AuditResult & { auditedAt?: string }) | undefined) ?? null;
  if (!forkRisk)
    notes.push(
      'no fork-risk audit of the target: the daemon had not audited this target process when the incident was confirmed',
    );
  if (!i.forkingThread?.javaStack)
    notes.push(
      `no Java stack of the forking thread: ${i.forkingThread?.javaStackReason ?? 'threadDump.enabled is off, or the thread was not named'}`,
    );
  notes.push(
    "the parent's native user-space stack is not captured (it would ptrace-stop the whole JVM); nativeAtFork is the same thread's stack as of fork(), from the child",
  );
  return {
    format: BUNDLE_FORMAT,
    generatedAt: new Date(ctx.now).toISOString(),
    forkwatch: { version: ctx.version, node: process.version },
    host: ctx.host,
    incident: summary,
    signature: {
      id: i.signatureId,
      title: i.signatureTitle,
      version: i.signatureVersion,
      severity: i.severity,
      fingerprint: i.fingerprint,
      matches: e.matches ?? [],
    },
    child: {
      process: e.child ?? null,
      kernel: e.kernel ?? [],
      stack: {
        raw: e.stackRaw ?? null,
        rawTruncated: e.stackRawTruncated === true,
        parsed: e.stack ?? null,
        capture: e.capture ?? null,
      },
    },
    target: { process: e.parent ?? null, user: i.targetUser, facts },
    forkingThread: {
      thread: i.forkingThread,
      jenkinsJob: i.jenkinsJob ?? i.forkingThread?.jenkinsJob ?? null,
      javaStack: i.forkingThread?.javaStack ?? null,
      nativeAtFork: framesFromFork(e.stack),
      kernel: facts?.forkingThreadKernel ?? null,
      threadDump: e.threadDump ?? null,
    },
    audit,
    forkRisk,
    core: describeCore(e.extra?.[CORE_RESULT_KEY] as CoreResult | undefined, ctx.coreEnabled),
    notes,
  };
}

function describeCore(c: CoreResult | undefined, enabled: boolean): BundleCore {
  const note = c?.path
    ? 'the core is named, not included: it holds the JVM memory (secrets); fetch it from the forkwatch host (0600, stateDir/cores) or GET /api/v1/incidents/:id/core with the token; open it with gdb <java binary> <core>'
    : c
      ? `no core file: ${c.outcome}${c.reason ? ` (${c.reason})` : ''}`
      : enabled
        ? 'no core was tried for this incident (taken once, at confirmation)'
        : 'core.enabled is off: no core is taken';
  return {
    enabled,
    implemented: true,
    outcome: c?.outcome ?? null,
    path: c?.path ?? null,
    bytes: c?.bytes ?? null,
    sha256: c?.sha256 ?? null,
    estimateBytes: c?.estimateBytes ?? null,
    maxBytes: c?.maxBytes ?? null,
    durationMs: c?.durationMs ?? null,
    takenAt: c ? new Date(c.takenAt).toISOString() : null,
    reason: c?.reason ?? null,
    deleted:
      c?.deletedAt !== undefined ? { at: new Date(c.deletedAt).toISOString(), reason: c.deletedReason ?? null } : null,
    note,
  };
}

/** A file name for the bundle (ids are 16 hex characters). */
export function bundleFileName(id: string): string {
  return `forkwatch-bundle-${id.replace(/[^0-9A-Za-z_-]/g, '_').slice(0, 64)}.json`;
}
