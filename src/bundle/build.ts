/**
 * The evidence bundle of one incident: everything an upstream bug report
 * needs, as one JSON document (pure: the incident and the host facts in, the
 * bundle out). Served by GET /api/v1/incidents/:id/bundle and written by
 * `forkwatch bundle ID`. docs/remediation.md describes each field.
 */
import type { Frame, KernelEvidence, ParsedStack } from '../capture/types.js';
import type { AuditRecord, Incident, IncidentSummary, ProcessFacts } from '../record/types.js';
import type { SignatureMatch } from '../match/types.js';
import type { HostFacts } from './host-facts.js';
import type { TargetFacts } from './target-facts.js';

export const BUNDLE_FORMAT = 'forkwatch-evidence-bundle/1';

/** Where the daemon keeps the target facts it gathered at confirmation (IncidentEvidence.extra). */
export const TARGET_FACTS_KEY = 'targetFacts';

export interface EvidenceBundle {
  format: typeof BUNDLE_FORMAT;
  generatedAt: string;
  forkwatch: { version: string; node: string };
  host: HostFacts;
  incident: IncidentSummary;
  signature: { id: string | null; title: string | null; version: string | null; severity: string | null; fingerprint: string | null; matches: SignatureMatch[] };
  child: {
    process: ProcessFacts | null;
    /** Oldest first: the first sample shows when the wait began, the last that nothing moved since. */
    kernel: KernelEvidence[];
    stack: { raw: string | null; rawTruncated: boolean; parsed: Omit<ParsedStack, 'raw'> | null; capture: Incident['evidence']['capture'] | null };
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
  core: { enabled: boolean; implemented: false; note: string };
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

export function buildBundle(i: Incident, ctx: BundleContext): EvidenceBundle {
  const { evidence: e, audit, ...summary } = i;
  const facts = (e.extra?.[TARGET_FACTS_KEY] as TargetFacts | undefined) ?? null;
  const notes: string[] = [];
  if (!e.stackRaw) notes.push(e.capture?.reason ? `no child stack: ${e.capture.reason}` : 'no child stack was captured (capture.enabled, or the child went away first)');
  if (!facts) notes.push('no target facts (JDK version, libc): the target was gone before forkwatch gathered them, or the incident was never confirmed');
  if (!i.forkingThread?.javaStack) notes.push('no Java stack of the forking thread: threadDump.enabled is off, or jcmd could not attach');
  notes.push("the parent's native user-space stack is not captured (it would ptrace-stop the whole JVM); nativeAtFork is the same thread's stack as of fork(), from the child");
  return {
    format: BUNDLE_FORMAT,
    generatedAt: new Date(ctx.now).toISOString(),
    forkwatch: { version: ctx.version, node: process.version },
    host: ctx.host,
    incident: summary,
    signature: { id: i.signatureId, title: i.signatureTitle, version: i.signatureVersion, severity: i.severity, fingerprint: i.fingerprint, matches: e.matches ?? [] },
    child: {
      process: e.child ?? null,
      kernel: e.kernel ?? [],
      stack: { raw: e.stackRaw ?? null, rawTruncated: e.stackRawTruncated === true, parsed: e.stack ?? null, capture: e.capture ?? null },
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
    core: { enabled: ctx.coreEnabled, implemented: false, note: 'core dumps of the hung child (core.enabled, gcore) are not implemented yet: nothing is written' },
    notes,
  };
}

/** A file name for the bundle (ids are 16 hex characters). */
export function bundleFileName(id: string): string {
  return `forkwatch-bundle-${id.replace(/[^0-9A-Za-z_-]/g, '_').slice(0, 64)}.json`;
}
