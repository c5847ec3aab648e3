/**
 * `forkwatch scan` confirms its suspects the way the daemon does, with the
 * daemon's own parts: the capturer (src/capture/capturer.ts: kernel evidence
 * read before any ptrace, the provably-blocked rule, one capture per
 * identity with the configured backends), the matcher (shipped library +
 * signatures.paths, src/stages/build.ts loadMatcher) and the verdict rule
 * (src/match/verdict.ts). As in the daemon, a child met for the first time
 * is sampled twice, SAMPLE_GAP_MS apart, before its capture (the capturer's
 * firstGapMs), and one those samples show moving is not traced.
 * With --watch one confirmer lives across scans: each child (pid + start
 * time) is captured once and its match kept. Lingering children (never
 * exec'd, older than hungAfter, not overdue) get the daemon's second look
 * (src/stages/second-look.ts): one stack each; those it names are confirmed
 * (and overdue in the report, as the daemon settles them).
 */
import { lingers, lingeringChildren, overdueSuspects } from '../classify/suspects.js';
import { identityOf, settleNamedByStack, settleProgressed } from '../classify/classify.js';
import { outcomeOf, takeSecondLooks, type SecondLook } from '../stages/second-look.js';
import type { EvidencePort } from '../stages/ports.js';
import type { MatchPort } from '../match/port.js';
import { SAMPLE_GAP_MS, suspectOf, type SuspectEvidence } from '../capture/capturer.js';
import type { MatchResult } from '../match/types.js';
import { decideVerdict, PROVEN_BLOCKED } from '../match/verdict.js';
import type { ChildReport, ScanReport } from '../classify/types.js';
import type { ChildConfirmation, ScanConfirmation } from './scan-confirmation.js';

/** Between the two kernel samples of a child met for the first time (the capturer takes them: firstGapMs). */
export { SAMPLE_GAP_MS } from '../capture/capturer.js';

export interface ConfirmerDeps {
  evidence: EvidencePort;
  /** null: kernel evidence only (no stack is captured then). */
  matcher: Pick<MatchPort, 'match'> | null;
  mode: 'capture' | 'kernel-only';
  /** Why kernel-only. */
  reason?: string | null;
  sampleGapMs?: number;
}

export interface Confirmer {
  confirm(report: ScanReport): Promise<ScanConfirmation>;
}

export function createConfirmer(deps: ConfirmerDeps): Confirmer {
  const gapMs = deps.sampleGapMs ?? SAMPLE_GAP_MS;
  // identity → the match of its one capture (null: captured, nothing matched or capture failed)
  const matched = new Map<string, MatchResult | null>();
  // A child met for the first time is sampled twice, gapMs apart, before its capture (the capturer does it, as for the daemon).
  const examine = (s: ChildReport): Promise<SuspectEvidence> =>
    deps.evidence.captureSuspect(suspectOf(s.child), { skipIfProgressed: true, firstGapMs: gapMs });

  // identity → its second look when its stack named a deadlock, null when it named none (each lingering child is looked at once)
  const looked = new Map<string, SecondLook | null>();
  /** This scan's lingering children that a second look (this one or, with --watch, an earlier one) named. */
  const secondLooks = async (report: ScanReport): Promise<SecondLook[]> => {
    const present = new Set(report.children.map((c) => identityOf(c.child)));
    for (const k of [...looked.keys()]) if (!present.has(k)) looked.delete(k);
    const fresh =
      deps.mode === 'capture' && deps.matcher
        ? await takeSecondLooks(
            deps.evidence,
            deps.matcher,
            lingeringChildren(report, (c) => looked.has(identityOf(c.child))),
          )
        : [];
    for (const look of fresh) looked.set(identityOf(look.child.child), outcomeOf(look) === 'named' ? look : null);
    // still lingering (one overdue by its state now is this scan's suspect, confirmed as such)
    const lingering = new Set(report.children.filter((c) => lingers(report, c)).map((c) => identityOf(c.child)));
    return [...looked.values()].filter((l): l is SecondLook => l !== null && lingering.has(identityOf(l.child.child)));
  };

  return {
    async confirm(report) {
      const suspects = overdueSuspects(report); // the daemon's rule; a one-shot scan has confirmed nothing yet
      const live = new Set(suspects.map((s) => identityOf(s.child)));
      deps.evidence.retain(suspects.map((s) => s.child));
      for (const k of [...matched.keys()]) if (!live.has(k)) matched.delete(k);
      const evs = await Promise.all(suspects.map(examine));
      const lingering = await secondLooks(report);
      const children = suspects.map((s, i) => {
        const id = identityOf(s.child);
        const ev = evs[i]!;
        if (ev.progressed) matched.delete(id);
        if (ev.freshCapture)
          matched.set(
            id,
            ev.capture?.stack && deps.matcher
              ? deps.matcher.match(ev.capture.stack.threads, { forkedChild: true })
              : null,
          );
        return describe(ev, matched.get(id) ?? null, noteOf(ev, deps));
      });
      for (const look of lingering)
        children.push({ ...describe(look.evidence, look.match, SECOND_LOOK_NOTE), secondLook: true });
      return { mode: deps.mode, reason: deps.reason ?? null, sampleGapMs: gapMs, children };
    },
  };
}

/**
 * The report as the next scan would give it (settleProgressed: a child its
 * samples showed busy is progressing; settleNamedByStack: a lingering child
 * its second look named is overdue).
 */
export function settle(report: ScanReport, confirmation: ScanConfirmation): ScanReport {
  const named = new Map(
    confirmation.children
      .filter((c) => c.secondLook && c.verdict)
      .map((c) => [identityOf(c), c.verdict!.signatureId] as const),
  );
  return settleNamedByStack(settleProgressed(report, confirmation.children), named);
}

const SECOND_LOOK_NOTE = 'second look: not overdue by its state (it runs or waits on its own), one stack taken';

function noteOf(ev: SuspectEvidence, deps: ConfirmerDeps): string | null {
  if (ev.gone) return 'process gone before it could be examined';
  if (ev.progressed) return `doing its own work (${ev.progressed}): not captured`;
  if (deps.mode === 'kernel-only') return `not captured (${deps.reason ?? 'kernel evidence only'})`;
  if (ev.capture && !ev.freshCapture) return 'captured once, at an earlier scan';
  return null;
}

function describe(ev: SuspectEvidence, match: MatchResult | null, note: string | null): ChildConfirmation {
  const verdict = ev.gone ? null : decideVerdict(match, ev.blocked);
  const c = ev.capture;
  const ft = ev.forkingThread;
  return {
    pid: ev.pid,
    startTimeMs: ev.startTimeMs,
    progressed: ev.progressed,
    verdict: verdict && {
      by: verdict.signatureId === PROVEN_BLOCKED ? 'kernel' : 'signature',
      signatureId: verdict.signatureId,
      signatureTitle: verdict.signatureTitle,
      severity: verdict.severity,
      fingerprint: verdict.fingerprint,
    },
    kernel:
      ev.kernel || ev.blocked.blocked
        ? {
            blocked: ev.blocked.blocked,
            reasons: ev.blocked.reasons,
            wchan: ev.kernel?.wchan ?? null,
            syscall: ev.kernel?.syscall ?? null,
          }
        : null,
    capture: c && {
      backend: c.backend,
      ok: c.ok,
      outcome: c.outcome ?? null,
      reason: c.reason,
      durationMs: c.durationMs,
      frames: c.stack?.threads.reduce((n, t) => n + t.frames.length, 0) ?? 0,
    },
    matches: (match?.matches ?? []).map((m) => ({
      signatureId: m.signatureId,
      title: m.title,
      severity: m.severity,
      rule: m.rule,
    })),
    forkingThread: ft && {
      tid: ft.tid,
      name: ft.name,
      javaName: ft.javaName ?? null,
      jenkinsJob: ft.jenkinsJob ?? null,
    },
    note,
    secondLook: false,
  };
}
