/**
 * Evidence the store could not take (disk full, I/O error, locked): a stack
 * is captured once per child, so losing the write would lose the stack and,
 * with it, the signature the incident should be confirmed with. It is kept
 * here, in memory and bounded (entries and bytes, the oldest dropped first
 * with a warning), and written again every tick until the store takes it:
 * a still-suspect child's by confirmSuspects (with the kept match, so the
 * incident gets its signature), any other's here.
 */
import type { IncidentEvidence, IncidentStore } from '../record/types.js';
import type { MatchResult } from '../match/types.js';
import type { StageRunner } from './stage-runner.js';
import type { Logger } from '../util/logger.js';

export interface UnstoredEvidence {
  evidence: IncidentEvidence;
  match: MatchResult | null;
  /** When it was first kept, and how many writes failed since. */
  since: number;
  failures: number;
  bytes: number;
}

export const MAX_UNSTORED = 64;
export const MAX_UNSTORED_BYTES = 8 * 1024 * 1024;

interface Deps {
  store: IncidentStore;
  logger: Logger;
}

/** After a write attempt: forget what was stored, keep (bounded) what was not. */
export function settleEvidence(
  deps: Deps,
  unstored: Map<string, UnstoredEvidence>,
  key: string,
  kept: { evidence: IncidentEvidence; match: MatchResult | null },
  stored: boolean,
  at: number,
): void {
  const before = unstored.get(key);
  if (stored) {
    if (before) {
      unstored.delete(key);
      deps.logger.info(
        { key, failures: before.failures, keptForMs: at - before.since, unstored: unstored.size },
        'evidence kept in memory is stored now',
      );
    }
    return;
  }
  // A newer capture of the same child replaces the kept one (its first failure time stays).
  const entry = {
    ...kept,
    since: before?.since ?? at,
    failures: before?.failures ?? 0,
    bytes: JSON.stringify(kept.evidence).length,
  };
  entry.failures += 1;
  unstored.delete(key);
  unstored.set(key, entry);
  if (!before)
    deps.logger.warn(
      { key, bytes: entry.bytes, unstored: unstored.size },
      'evidence could not be stored: kept in memory, retried every tick',
    );
  bound(deps, unstored);
}

function bound(deps: Deps, unstored: Map<string, UnstoredEvidence>): void {
  let bytes = [...unstored.values()].reduce((n, e) => n + e.bytes, 0);
  for (const [key, e] of unstored) {
    if (unstored.size <= MAX_UNSTORED && bytes <= MAX_UNSTORED_BYTES) return;
    unstored.delete(key);
    bytes -= e.bytes;
    deps.logger.error(
      { key, bytes: e.bytes, since: new Date(e.since).toISOString(), failures: e.failures },
      `evidence dropped: more than ${MAX_UNSTORED} entries or ${MAX_UNSTORED_BYTES} bytes waiting for the store`,
    );
  }
}

/**
 * Retry what this tick's suspects did not cover (the child was confirmed,
 * resolved or is gone). Evidence whose incident was never recorded and whose
 * child is no longer a suspect has nowhere to go: dropped, with a warning.
 */
export async function storeUnhandled(
  deps: Deps,
  unstored: Map<string, UnstoredEvidence>,
  handled: ReadonlySet<string>,
  stages: StageRunner,
): Promise<void> {
  for (const [key, e] of [...unstored]) {
    if (handled.has(key)) continue;
    const found = await stages.run('record', () => deps.store.get(key) ?? null);
    if (found === undefined) continue;
    if (found === null) {
      unstored.delete(key);
      deps.logger.warn(
        { key, failures: e.failures },
        'evidence dropped: its child is gone and its incident was never recorded',
      );
      continue;
    }
    const stored = await stages.run('record', () => (deps.store.updateEvidence(found.id, e.evidence), true));
    settleEvidence(deps, unstored, key, e, stored === true, Date.now());
  }
}
