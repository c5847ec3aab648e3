/**
 * Confirmation: a suspect is confirmed when a deadlock signature matches its
 * stack, or when kernel evidence proves it blocked across ≥2 scans
 * (signature 'proven_blocked'). A capture without a verdict is kept as evidence.
 * A capture the store did not take is kept in memory and used again, with its
 * match, on the next ticks until it is stored (src/daemon/unstored.ts).
 */
import type { ChildReport } from '../classify/types.js';
import type { SuspectEvidence } from '../capture/capturer.js';
import type { MatchResult } from '../match/types.js';
import { decideVerdict } from '../match/verdict.js';
import { childKey } from '../record/key.js';
import type { Confirmation, IncidentEvidence } from '../record/types.js';
import { captureEvidence } from '../record/evidence.js';
import { updateEvidence } from '../record/tick-steps.js';
import type { Transition } from '../record/transition.js';
import type { TickDeps } from './tick-deps.js';
import type { StageRunner } from './stage-runner.js';
import { settleEvidence, type UnstoredEvidence } from './unstored.js';

export async function confirmSuspects(
  deps: TickDeps,
  suspects: ChildReport[],
  evidence: Map<string, SuspectEvidence>,
  at: number,
  stages: StageRunner,
  unstored: Map<string, UnstoredEvidence>,
): Promise<Transition[]> {
  const out: Transition[] = [];
  for (const s of suspects) {
    const key = childKey(deps.store.host, s);
    const ev = evidence.get(key);
    if (!ev) continue;
    const { match, kept } = await captureToStore(deps, ev, unstored.get(key), at, stages);
    const verdict = decideVerdict(match, ev.blocked);
    if (!verdict) {
      if (kept)
        settleEvidence(
          deps,
          unstored,
          key,
          { evidence: kept, match },
          (await stages.run('record', () => updateEvidence(deps.store, key, kept))) === true,
          at,
        );
      continue;
    }
    // Its observe failed (e.g. disk full): no incident to confirm yet; keep the capture for the next tick.
    if ((await stages.run('record', () => deps.store.get(key) !== null)) !== true) {
      if (kept) settleEvidence(deps, unstored, key, { evidence: kept, match }, false, at);
      continue;
    }
    const confirmation: Confirmation = {
      at,
      ...verdict,
      forkingThread: ev.forkingThread,
      jenkinsJob: ev.forkingThread?.jenkinsJob ?? null,
      ...(kept ? { evidence: kept } : {}),
    };
    const incident = await stages.run('record', () => deps.store.confirm(key, confirmation));
    if (kept) settleEvidence(deps, unstored, key, { evidence: kept, match }, incident !== undefined, at);
    if (incident) out.push({ incident, from: 'suspect', to: 'confirmed' });
  }
  return out;
}

/**
 * The capture this tick has to store, with its match: a fresh one (matched
 * now), else one kept from an earlier tick that the store did not take (its
 * match kept with it), else none: an older capture was stored when taken.
 */
async function captureToStore(
  deps: TickDeps,
  ev: SuspectEvidence,
  pending: UnstoredEvidence | undefined,
  at: number,
  stages: StageRunner,
): Promise<{ match: MatchResult | null; kept: IncidentEvidence | null }> {
  if (ev.freshCapture && ev.capture) {
    const stack = ev.capture.stack;
    const match = stack
      ? ((await stages.run('match', () => deps.matcher?.match(stack.threads, { forkedChild: true }))) ?? null)
      : null;
    return { match, kept: captureEvidence(ev.capture, match, at) };
  }
  if (pending) return { match: pending.match, kept: pending.evidence };
  return { match: null, kept: null };
}
