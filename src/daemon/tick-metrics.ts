/** The daemon's metric updates, kept apart from the tick's control flow. */
import type { ScanReport } from '../classify/types.js';
import type { CaptureResult } from '../capture/types.js';
import { CHILD_CLASSIFICATIONS, type Metrics } from '../extension/metrics.js';
import type { IncidentStore } from '../record/types.js';
import type { Transition } from '../record/transition.js';

const CLASS_LABEL = { 'never-execed': 'never_execed', execed: 'execed', zombie: 'zombie' } as const;

/** Per-target gauges from one report. Reset first so a target or class that went away drops out. */
export function updateScanMetrics(m: Metrics, report: ScanReport, at: number): void {
  const names = new Set([...report.targets.map((t) => t.name), ...report.missingTargets]);
  for (const g of [m.targetUp, m.targetProcesses, m.children, m.overdueChildren, m.oldestOverdueChildAge]) g.reset();
  for (const target of names) {
    const processes = report.targets.filter((t) => t.name === target).length;
    m.targetUp.set({ target }, processes > 0 ? 1 : 0);
    m.targetProcesses.set({ target }, processes);
    for (const classification of CHILD_CLASSIFICATIONS) m.children.set({ target, classification }, 0);
    m.overdueChildren.set({ target }, 0);
    m.oldestOverdueChildAge.set({ target }, 0);
  }
  const oldest = new Map<string, number>();
  for (const c of report.children) {
    const target = c.target.name;
    m.children.inc({ target, classification: CLASS_LABEL[c.classification] });
    if (c.classification !== 'never-execed' || !c.overdue) continue;
    m.overdueChildren.inc({ target });
    oldest.set(target, Math.max(oldest.get(target) ?? 0, Math.max(c.ageMs, at - c.child.startTimeMs)));
  }
  for (const [target, ageMs] of oldest) m.oldestOverdueChildAge.set({ target }, ageMs / 1000);
}

/** Confirmed (not yet remediated or resolved) incidents by target and signature. */
export function updateHungMetric(m: Metrics, store: IncidentStore): void {
  const counts = store.counts().open.filter((c) => c.state === 'confirmed');
  m.hungChildren.reset();
  for (const c of counts) m.hungChildren.inc({ target: c.target, signature: c.signature ?? 'unknown' }, c.count);
}

export function countTransitions(m: Metrics, transitions: Transition[]): void {
  for (const t of transitions) {
    const signature = t.incident.signatureId ?? 'unknown';
    if (t.to === 'confirmed') m.incidentsOpened.inc({ signature });
    // Only confirmed incidents count as resolved: a suspect that went away was never an incident to anyone.
    if (t.to === 'resolved' && t.from !== 'suspect') m.incidentsResolved.inc({ signature });
  }
}

export function captureOutcome(r: CaptureResult): 'ok' | 'failed' | 'timeout' | 'refused' {
  if (r.outcome) return r.outcome;
  if (r.ok) return 'ok';
  if (r.timedOut) return 'timeout';
  if (r.backend === null) return 'refused';
  return 'failed';
}

export function countCaptures(m: Metrics, results: CaptureResult[]): void {
  for (const r of results) {
    const labels = { backend: r.backend ?? 'none', outcome: captureOutcome(r) };
    m.captures.inc(labels);
    m.captureDuration.observe(labels, r.durationMs / 1000);
  }
}
