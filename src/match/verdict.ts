/**
 * The verdict rule, one place for the daemon (src/daemon/confirm.ts) and
 * `forkwatch scan`: a suspect is a confirmed deadlock when a non-info
 * signature matches its stack, else when kernel evidence proved it blocked
 * (signature PROVEN_BLOCKED); otherwise it stays a suspect.
 */
import type { BlockedVerdict } from '../classify/kernel-evidence-rule.js';
import type { MatchResult, Severity } from './types.js';

export const PROVEN_BLOCKED = 'proven_blocked';

export interface Verdict {
  signatureId: string;
  signatureTitle: string;
  signatureVersion: string | null;
  severity: Severity;
  /** Of the stack, when one was matched. */
  fingerprint: string | null;
}

export function decideVerdict(match: MatchResult | null, blocked: BlockedVerdict): Verdict | null {
  const m = match?.deadlock ? match.matches.find((x) => x.severity !== 'info') : undefined;
  if (m)
    return {
      signatureId: m.signatureId,
      signatureTitle: m.title,
      signatureVersion: m.version,
      severity: m.severity,
      fingerprint: match!.fingerprint,
    };
  if (blocked.blocked) {
    return {
      signatureId: PROVEN_BLOCKED,
      signatureTitle: `Proven blocked: ${blocked.reasons.join('; ')}`.slice(0, 500),
      signatureVersion: null,
      severity: 'critical',
      fingerprint: match?.fingerprint ?? null,
    };
  }
  return null;
}
