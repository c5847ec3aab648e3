/**
 * The second look, one piece for the daemon's tick and `forkwatch scan`: one
 * stack capture of each lingering child (never exec'd, older than hungAfter,
 * not overdue: src/classify/suspects.ts lingeringChildren), matched as the
 * forked child it is. Only a signature can name it: it is running or waiting
 * on something of its own, so the kernel rule has nothing to prove. A child
 * its stack names is overdue after all (settleNamedByStack) and goes on as a
 * suspect with this evidence; one its stack does not name is left alone for
 * good (the caller remembers it).
 */
import { identityOf } from '../classify/classify.js';
import type { ChildReport } from '../classify/types.js';
import { suspectOf, type SuspectEvidence } from '../capture/capturer.js';
import type { MatchPort } from '../match/port.js';
import type { MatchResult } from '../match/types.js';
import { decideVerdict, type Verdict } from '../match/verdict.js';
import type { EvidencePort } from './ports.js';

export interface SecondLook {
  child: ChildReport;
  evidence: SuspectEvidence;
  /** Of this look's capture; null when none was taken or parsed. */
  match: MatchResult | null;
  /** The deadlock signature its stack names, or null. */
  verdict: Verdict | null;
}

/** What became of a look: its stack named a deadlock, named none (or was not taken), or the child was gone. */
export type SecondLookOutcome = 'named' | 'nothing' | 'gone';

const NOT_BLOCKED = { blocked: false, reasons: ['second look: the child is moving'] };

export async function takeSecondLooks(
  evidence: EvidencePort,
  matcher: Pick<MatchPort, 'match'>,
  children: readonly ChildReport[],
  signal?: AbortSignal,
): Promise<SecondLook[]> {
  const evs = await Promise.all(
    children.map((c) => evidence.captureSuspect(suspectOf(c.child), signal ? { signal } : {})),
  );
  return children.map((child, i) => {
    const ev = evs[i]!;
    const stack = !ev.gone && ev.freshCapture ? (ev.capture?.stack ?? null) : null;
    const match = stack ? matcher.match(stack.threads, { forkedChild: true }) : null;
    return { child, evidence: ev, match, verdict: decideVerdict(match, NOT_BLOCKED) };
  });
}

export function outcomeOf(look: SecondLook): SecondLookOutcome {
  if (look.evidence.gone) return 'gone';
  return look.verdict ? 'named' : 'nothing';
}

/** Identity → the signature, of the looks whose stack named a deadlock (for settleNamedByStack). */
export function namedByStack(looks: readonly SecondLook[]): Map<string, string> {
  return new Map(
    looks.filter((l) => outcomeOf(l) === 'named').map((l) => [identityOf(l.child.child), l.verdict!.signatureId]),
  );
}
