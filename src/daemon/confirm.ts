/**
 * Confirmation: a suspect is confirmed when a deadlock signature matches its
 * stack, or when kernel evidence proves it blocked across ≥2 scans
 * (signature 'proven_blocked'). A capture without a verdict is kept as evidence.
 */
import type { ChildReport } from '../classify/types.js';
import type { CaptureResult } from '../capture/types.js';
import type { SuspectEvidence } from '../capture/capturer.js';
import type { MatchResult } from '../match/types.js';
import { incidentKey } from '../record/key.js';
import type { Confirmation, IncidentEvidence, IncidentStore } from '../record/types.js';
import type { Transition } from './ports.js';
import { guard, type StageFailure, type TickDeps } from './tick.js';

export const PROVEN_BLOCKED = 'proven_blocked';

/** The store's key for a child of a target on this host. */
export function childKey(host: string, c: ChildReport): string {
  return incidentKey({ host, targetPid: c.target.pid, targetStartMs: c.target.startTimeMs, childPid: c.child.pid, childStartMs: c.child.startTimeMs });
}

export async function confirmSuspects(
  deps: TickDeps,
  suspects: ChildReport[],
  evidence: Map<string, SuspectEvidence>,
  at: number,
  fail: StageFailure,
): Promise<Transition[]> {
  const out: Transition[] = [];
  for (const s of suspects) {
    const key = childKey(deps.store.host, s);
    const ev = evidence.get(key);
    if (!ev) continue;
    // Match only a fresh capture: an older one was matched (and kept) when it was taken.
    const stack = ev.freshCapture ? ev.capture?.stack : null;
    const match = stack ? ((await guard('match', fail, () => deps.matcher?.match(stack.threads, { forkedChild: true }))) ?? null) : null;
    const verdict = decide(match, ev);
    const kept = ev.freshCapture && ev.capture ? captureEvidence(ev.capture, match, at) : null;
    if (!verdict) {
      if (kept) await guard('record', fail, () => updateEvidence(deps.store, key, kept));
      continue;
    }
    const confirmation: Confirmation = {
      at,
      ...verdict,
      forkingThread: ev.forkingThread,
      jenkinsJob: ev.forkingThread?.jenkinsJob ?? null,
      ...(kept ? { evidence: kept } : {}),
    };
    const incident = await guard('record', fail, () => deps.store.confirm(key, confirmation));
    if (incident) out.push({ incident, from: 'suspect', to: 'confirmed' });
  }
  return out;
}

type Verdict = Pick<Confirmation, 'signatureId' | 'signatureTitle' | 'signatureVersion' | 'severity' | 'fingerprint'>;

function decide(match: MatchResult | null, ev: SuspectEvidence): Verdict | null {
  const m = match?.deadlock ? match.matches.find((x) => x.severity !== 'info') : undefined;
  if (m) return { signatureId: m.signatureId, signatureTitle: m.title, signatureVersion: m.version, severity: m.severity, fingerprint: match!.fingerprint };
  if (ev.blocked.blocked) {
    return {
      signatureId: PROVEN_BLOCKED,
      signatureTitle: `Proven blocked: ${ev.blocked.reasons.join('; ')}`.slice(0, 500),
      signatureVersion: null,
      severity: 'critical',
      fingerprint: match?.fingerprint ?? null,
    };
  }
  return null;
}

function captureEvidence(capture: CaptureResult, match: MatchResult | null, at: number): IncidentEvidence {
  const stack = capture.stack ? (({ raw: _raw, ...rest }) => rest)(capture.stack) : null;
  return {
    stackRaw: capture.raw || null,
    ...(stack ? { stack } : {}),
    ...(match ? { matches: match.matches } : {}),
    capture: { backend: capture.backend, at, ok: capture.ok, timedOut: capture.timedOut, durationMs: capture.durationMs, reason: capture.reason },
  };
}

function updateEvidence(store: IncidentStore, key: string, evidence: IncidentEvidence): void {
  const incident = store.get(key);
  if (incident) store.updateEvidence(incident.id, evidence);
}
