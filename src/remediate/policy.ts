/**
 * Which confirmed incidents the daemon may act on by itself (pure). The
 * operator's POST /kill skips this policy (a person decided) but never the
 * safety checks (verify.ts).
 */
import type { IncidentSummary } from '../record/types.js';
import { PROVEN_BLOCKED } from '../match/verdict.js';

export type RemediationMode = 'off' | 'dry-run' | 'kill';

export interface RemediationPolicy {
  mode: RemediationMode;
  /** '*' any library signature; 'proven-blocked' kernel proof alone; else signature ids. */
  signatures: readonly string[];
  /** The child must be at least this old (ms since it was forked). */
  minAgeMs: number;
}

export type PolicyVerdict =
  | { act: true; reason: string }
  /** final: the answer will not change for this incident (record it once); else ask again next tick. */
  | { act: false; final: boolean; reason: string };

/** 'proven-blocked' in the config names the store's 'proven_blocked' signature. */
export function signatureQualifies(signatureId: string | null, allowed: readonly string[]): boolean {
  if (!signatureId || signatureId === 'unknown') return false;
  if (signatureId === PROVEN_BLOCKED) return allowed.includes('proven-blocked') || allowed.includes(PROVEN_BLOCKED);
  return allowed.includes('*') || allowed.includes(signatureId);
}

export function judgePolicy(i: IncidentSummary, policy: RemediationPolicy, now: number): PolicyVerdict {
  if (policy.mode === 'off') return { act: false, final: true, reason: 'remediation.mode is off' };
  if (i.state !== 'confirmed')
    return { act: false, final: i.state !== 'suspect', reason: `incident is ${i.state}, not confirmed` };
  if (!signatureQualifies(i.signatureId, policy.signatures)) {
    return {
      act: false,
      final: true,
      reason: `signature ${i.signatureId ?? 'none'} is not in remediation.signatures [${policy.signatures.join(', ')}]`,
    };
  }
  const age = now - i.childStartMs;
  if (age < policy.minAgeMs)
    return { act: false, final: false, reason: `child is ${age} ms old, remediation.minAge is ${policy.minAgeMs} ms` };
  return { act: true, reason: `confirmed ${i.signatureId}, child ${Math.round(age / 1000)} s old` };
}
