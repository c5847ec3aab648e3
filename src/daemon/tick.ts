/**
 * One tick: scan → classify → evidence (kernel samples, then a stack capture
 * once per identity, bounded) → match → record → hand-off to sinks → metrics.
 * Never throws: a stage that fails is logged and counted
 * (forkwatch_scan_errors_total{stage}) and the tick carries on with what it
 * has. With a deadline (deps.signal), a stage still running when it passes is
 * left behind and the tick ends as failed, naming the stage
 * (src/daemon/stage-runner.ts). Work is proportional to what changed:
 * confirmed children are neither sampled nor captured again. Evidence the
 * store could not take is kept in memory and retried every tick
 * (src/daemon/unstored.ts).
 */
import { overdueSuspects } from '../classify/suspects.js';
import type { Logger } from '../util/logger.js';
import type { ChildReport, ScanReport } from '../classify/types.js';
import type { SuspectEvidence } from '../capture/capturer.js';
import type { Metrics } from '../extension/metrics.js';
import type { IncidentStore } from '../record/types.js';
import { incidentLogFields } from '../record/log-fields.js';
import type { EvidencePort, ScannerPort } from './ports.js';
import type { MatchPort } from '../match/port.js';
import type { Transition } from '../record/transition.js';
import { countCaptures, countTransitions, updateHungMetric, updateOutboxMetrics, updateScanMetrics } from './tick-metrics.js';
import { childKey, confirmSuspects } from './confirm.js';
import { observe, resolveGone } from './record.js';
import { createStageRunner, type StageRunner } from './stage-runner.js';
import { storeUnhandled, type UnstoredEvidence } from './unstored.js';
import type { TickSummary } from '../extension/daemon-view.js';

export interface TickDeps {
  scanner: ScannerPort;
  evidence: EvidencePort | null;
  matcher: MatchPort | null;
  store: IncidentStore;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
  /** Hand-off to the notification sender: must return at once (delivery is async). */
  notify?: (transitions: Transition[]) => void;
  /** Fires at the tick's deadline (src/daemon/deadline.ts); deadlineMs is only for the message. */
  signal?: AbortSignal;
  deadlineMs?: number;
}


/** What survives between ticks (the capturer keeps its own per-identity state). */
export interface TickMemory {
  lastReport: ScanReport | null;
  lastSuccessAt: number | null;
  lastTick: TickSummary | null;
  /** Evidence the store failed to take, by incident key (bounded). */
  unstored: Map<string, UnstoredEvidence>;
}

export function createTickMemory(): TickMemory {
  return { lastReport: null, lastSuccessAt: null, lastTick: null, unstored: new Map() };
}

export async function runTick(deps: TickDeps, mem: TickMemory): Promise<TickSummary> {
  const at = (deps.now ?? Date.now)();
  const started = performance.now();
  const stages = createStageRunner(deps);
  const transitions: Transition[] = [];
  let suspects: ChildReport[] = [];
  let evidence = new Map<string, SuspectEvidence>();
  const report = await stages.run('scan', () => deps.scanner.scan());
  if (report) {
    mem.lastReport = report;
    deps.metrics.processesVanished.inc(report.stats.vanished);
    const confirmed = await stages.run('record', () => confirmedKeys(deps.store));
    // Without the store's view nothing can be confirmed safely this tick: only resolve and count.
    suspects = confirmed ? selectSuspects(report, confirmed, deps.store.host) : [];
    evidence = await collectEvidence(deps, suspects, stages);
    transitions.push(...((await stages.run('record', () => observe(deps.store, report, suspects, evidence, at))) ?? []));
    transitions.push(...(await confirmSuspects(deps, suspects, evidence, at, stages, mem.unstored)));
    // Without the store's view (confirmed undefined) nothing is resolved: a confirmed child must not be dropped.
    if (confirmed) transitions.push(...((await stages.run('record', () => resolveGone(deps.store, report, at, confirmed))) ?? []));
    if (confirmed) await storeUnhandled(deps, mem.unstored, new Set(suspects.map((c) => childKey(deps.store.host, c))), stages);
    updateScanMetrics(deps.metrics, report, at);
  }
  countTransitions(deps.metrics, transitions);
  logTransitions(deps.logger, transitions);
  await stages.run('record', () => updateHungMetric(deps.metrics, deps.store));
  if (transitions.length > 0 && deps.notify) await stages.run('alert', () => deps.notify!(transitions));
  await stages.run('alert', () => updateOutboxMetrics(deps.metrics, deps.store, at));
  const captured = [...evidence.values()].filter((e) => e.freshCapture).length;
  return finishTick(deps, mem, { at, started, stages, suspects: suspects.length, captured, transitions, scanned: report !== undefined });
}

interface TickOutcome {
  at: number;
  started: number;
  stages: StageRunner;
  suspects: number;
  captured: number;
  transitions: Transition[];
  scanned: boolean;
}

function finishTick(deps: TickDeps, mem: TickMemory, r: TickOutcome): TickSummary {
  const durationMs = performance.now() - r.started;
  const ok = r.scanned && r.stages.errors.length === 0;
  deps.metrics.scanDuration.observe(durationMs / 1000);
  deps.metrics.scans.inc({ outcome: ok ? 'ok' : 'error' });
  if (ok) {
    mem.lastSuccessAt = r.at;
    deps.metrics.lastSuccessfulScan.set(r.at / 1000);
  }
  const summary: TickSummary = {
    at: r.at,
    durationMs: Math.round(durationMs * 10) / 10,
    ok,
    errors: r.stages.errors,
    suspects: r.suspects,
    captured: r.captured,
    transitions: r.transitions.map((t) => ({ id: t.incident.id, from: t.from, to: t.to, signature: t.incident.signatureId })),
    stages: r.stages.outcomes(),
    abandonedIn: r.stages.abandonedIn(),
    unstoredEvidence: mem.unstored.size,
  };
  mem.lastTick = summary;
  deps.logger.debug({ tick: { ...summary, transitions: summary.transitions.length } }, 'tick done');
  return summary;
}

function confirmedKeys(store: IncidentStore): Set<string> {
  return new Set(store.openIncidents().filter((i) => i.state !== 'suspect').map((i) => i.key));
}

/** Overdue never-exec'd children not yet confirmed, oldest first, bounded. */
export function selectSuspects(report: ScanReport, confirmed: Set<string>, host: string): ChildReport[] {
  return overdueSuspects(report, (c) => confirmed.has(childKey(host, c)));
}

/** Kernel sample + (first time) stack capture per suspect; the capturer bounds ptrace concurrency. */
async function collectEvidence(deps: TickDeps, suspects: ChildReport[], stages: StageRunner): Promise<Map<string, SuspectEvidence>> {
  const out = new Map<string, SuspectEvidence>();
  const capturer = deps.evidence;
  if (!capturer) return out;
  await stages.run('capture', () => capturer.retain(suspects.map((s) => s.child)));
  const opts = deps.signal ? { signal: deps.signal } : {};
  const results = await Promise.all(
    suspects.map((s) =>
      stages.run('capture', () => capturer.captureSuspect({ pid: s.child.pid, startTimeMs: s.child.startTimeMs, ppid: s.child.ppid, comm: s.child.comm }, opts)),
    ),
  );
  suspects.forEach((s, i) => {
    const ev = results[i];
    if (!ev || ev.gone) return;
    out.set(childKey(deps.store.host, s), ev);
    if (ev.freshCapture && ev.capture) {
      countCaptures(deps.metrics, [ev.capture]);
      if (!ev.capture.ok) deps.logger.warn({ target: s.target.name, childPid: s.child.pid, childStartTime: new Date(s.child.startTimeMs).toISOString(), backend: ev.capture.backend, reason: ev.capture.reason }, 'stack capture failed');
    }
  });
  return out;
}

function logTransitions(logger: Logger, transitions: Transition[]): void {
  for (const t of transitions) {
    const i = t.incident;
    const signature = i.signatureId ?? 'unknown';
    const fields = {
      ...incidentLogFields(i),
      signature,
      from: t.from,
      to: t.to,
    };
    const level = t.to === 'confirmed' ? 'warn' : 'info';
    logger[level](fields, `incident ${i.id} ${t.from ?? 'new'} → ${t.to}: ${i.targetName} child ${i.childPid} (${signature})`);
  }
}
