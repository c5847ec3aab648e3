/**
 * The tick's record steps that talk to the incident store: the confirmed
 * keys, observe suspects, store evidence, resolve the gone, log the
 * transitions. Called by src/daemon/tick.ts inside its stage runner.
 */
import type { ChildReport, ScanReport } from '../classify/types.js';
import { toSuspectObservation } from './evidence.js';
import type { IncidentEvidence, IncidentStore } from './types.js';
import type { Transition } from './transition.js';
import { childKey } from './key.js';
import type { SuspectEvidence } from '../capture/capturer.js';

/** Upsert the suspects (with their newest kernel sample); new and reopened incidents are transitions. */
export function observe(
  store: IncidentStore,
  report: ScanReport,
  suspects: ChildReport[],
  evidence: Map<string, SuspectEvidence>,
  at: number,
): Transition[] {
  if (suspects.length === 0) return [];
  const observations = suspects.map((c) => {
    const target =
      report.targets.find((t) => t.process.pid === c.target.pid && t.process.startTimeMs === c.target.startTimeMs) ??
      null;
    return toSuspectObservation(c, target, evidence.get(childKey(store.host, c))?.kernel ?? null);
  });
  const r = store.observeSuspects(at, observations);
  return [
    ...r.opened.map((incident) => ({ incident, from: null, to: 'suspect' as const })),
    ...r.reopened.map((incident) => ({ incident, from: 'resolved' as const, to: incident.state })),
  ];
}

/**
 * Resolve open incidents of the targets this scan saw whose child is gone.
 * Only never-exec'd children count as present: a child that exited and waits
 * to be reaped (zombie) is gone, and one that exec'd at last is no longer hung.
 * A suspect also needs to still be overdue: one seen running or waiting on
 * something else (a worker with its own reason to live) was never hung.
 * `confirmed`: keys of incidents confirmed before this tick; they stay while present.
 */
export function resolveGone(
  store: IncidentStore,
  report: ScanReport,
  at: number,
  confirmed: ReadonlySet<string>,
): Transition[] {
  const scanned = new Set(report.targets.map((t) => t.name));
  // A configured target that is missing this scan: its JVM is gone, and so are its children.
  for (const name of report.missingTargets) scanned.add(name);
  const present = report.children
    .filter((c) => c.classification === 'never-execed')
    .map((c) => ({ c, key: childKey(store.host, c) }))
    .filter(({ c, key }) => c.overdue || confirmed.has(key))
    .map(({ key }) => key);
  const resolved = store.resolveMissing(at, present, scanned);
  return resolved.map((incident) => ({
    incident,
    from: incident.confirmedAt !== null ? ('confirmed' as const) : ('suspect' as const),
    to: 'resolved' as const,
  }));
}

/** The keys of open incidents already confirmed (they are neither sampled nor captured again). */
export function confirmedKeys(store: IncidentStore): Set<string> {
  return new Set(
    store
      .openIncidents()
      .filter((i) => i.state !== 'suspect')
      .map((i) => i.key),
  );
}

/** True once stored; false when there is no incident to store it in yet (its observe failed). */
export function updateEvidence(store: IncidentStore, key: string, evidence: IncidentEvidence): boolean {
  const incident = store.get(key);
  if (!incident) return false;
  store.updateEvidence(incident.id, evidence);
  return true;
}
