/**
 * One tick: scan → classify → evidence (kernel samples, then a stack capture
 * once per identity, bounded) → match → record → hand-off to sinks → metrics.
 * Never throws: a stage that fails is logged and counted
 * (forkwatch_scan_errors_total{stage}) and the tick carries on with what it
 * has. Work is proportional to what changed: confirmed children are neither
 * sampled nor captured again.
 */
import type { Logger } from '../util/logger.js';
import type { ChildReport, ScanReport } from '../classify/types.js';
import type { SuspectEvidence } from '../capture/capturer.js';
import type { Metrics, ScanStage } from '../expose/metrics.js';
import type { IncidentStore } from '../record/types.js';
import { incidentLogFields } from '../record/log-fields.js';
import type { EvidencePort, MatchPort, ScannerPort, Transition } from './ports.js';
import { countCaptures, countTransitions, updateHungMetric, updateOutboxMetrics, updateScanMetrics } from './tick-metrics.js';
import { childKey, confirmSuspects } from './confirm.js';
import { observe, resolveGone } from './record.js';

/** Suspects handled per tick at most: a fork storm must not stall the loop. */
const MAX_SUSPECTS_PER_TICK = 256;

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
}

export interface TickSummary {
  at: number;
  durationMs: number;
  ok: boolean;
  errors: { stage: ScanStage; message: string }[];
  suspects: number;
  captured: number;
  transitions: { id: string; from: string | null; to: string; signature: string | null }[];
}

/** What survives between ticks (the capturer keeps its own per-identity state). */
export interface TickMemory {
  lastReport: ScanReport | null;
  lastSuccessAt: number | null;
  lastTick: TickSummary | null;
}

export function createTickMemory(): TickMemory {
  return { lastReport: null, lastSuccessAt: null, lastTick: null };
}

export type StageFailure = (stage: ScanStage, err: unknown) => void;

/** Run one stage; a throw (or rejection) becomes a counted, logged failure and undefined. */
export async function guard<T>(stage: ScanStage, fail: StageFailure, fn: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    fail(stage, err);
    return undefined;
  }
}

export async function runTick(deps: TickDeps, mem: TickMemory): Promise<TickSummary> {
  const at = (deps.now ?? Date.now)();
  const started = performance.now();
  const errors: TickSummary['errors'] = [];
  const fail: StageFailure = (stage, err) => {
    const message = err instanceof Error ? err.message : String(err);
    errors.push({ stage, message });
    deps.metrics.scanErrors.inc({ stage });
    deps.logger.error({ stage, err }, `tick: ${stage} stage failed: ${message}`);
  };
  const transitions: Transition[] = [];
  let suspects: ChildReport[] = [];
  let evidence = new Map<string, SuspectEvidence>();
  const report = await guard('scan', fail, () => deps.scanner.scan());
  if (report) {
    mem.lastReport = report;
    deps.metrics.processesVanished.inc(report.stats.vanished);
    const confirmed = await guard('record', fail, () => confirmedKeys(deps.store));
    // Without the store's view nothing can be confirmed safely this tick: only resolve and count.
    suspects = confirmed ? selectSuspects(report, confirmed, deps.store.host) : [];
    evidence = await collectEvidence(deps, suspects, fail);
    transitions.push(...((await guard('record', fail, () => observe(deps.store, report, suspects, evidence, at))) ?? []));
    transitions.push(...(await confirmSuspects(deps, suspects, evidence, at, fail)));
    // Without the store's view (confirmed undefined) nothing is resolved: a confirmed child must not be dropped.
    if (confirmed) transitions.push(...((await guard('record', fail, () => resolveGone(deps.store, report, at, confirmed))) ?? []));
    updateScanMetrics(deps.metrics, report, at);
  }
  countTransitions(deps.metrics, transitions);
  logTransitions(deps.logger, transitions);
  await guard('record', fail, () => updateHungMetric(deps.metrics, deps.store));
  if (transitions.length > 0 && deps.notify) await guard('alert', fail, () => deps.notify!(transitions));
  await guard('alert', fail, () => updateOutboxMetrics(deps.metrics, deps.store, at));
  const captured = [...evidence.values()].filter((e) => e.freshCapture).length;
  return finishTick(deps, mem, { at, started, errors, suspects: suspects.length, captured, transitions, scanned: report !== undefined });
}

interface TickOutcome {
  at: number;
  started: number;
  errors: TickSummary['errors'];
  suspects: number;
  captured: number;
  transitions: Transition[];
  scanned: boolean;
}

function finishTick(deps: TickDeps, mem: TickMemory, r: TickOutcome): TickSummary {
  const durationMs = performance.now() - r.started;
  const ok = r.scanned && r.errors.length === 0;
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
    errors: r.errors,
    suspects: r.suspects,
    captured: r.captured,
    transitions: r.transitions.map((t) => ({ id: t.incident.id, from: t.from, to: t.to, signature: t.incident.signatureId })),
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
  return report.children
    .filter((c) => c.classification === 'never-execed' && c.overdue && !confirmed.has(childKey(host, c)))
    .sort((a, b) => b.ageMs - a.ageMs)
    .slice(0, MAX_SUSPECTS_PER_TICK);
}

/** Kernel sample + (first time) stack capture per suspect; the capturer bounds ptrace concurrency. */
async function collectEvidence(deps: TickDeps, suspects: ChildReport[], fail: StageFailure): Promise<Map<string, SuspectEvidence>> {
  const out = new Map<string, SuspectEvidence>();
  const capturer = deps.evidence;
  if (!capturer) return out;
  await guard('capture', fail, () => capturer.retain(suspects.map((s) => s.child)));
  const results = await Promise.all(
    suspects.map((s) =>
      guard('capture', fail, () => capturer.captureSuspect({ pid: s.child.pid, startTimeMs: s.child.startTimeMs, ppid: s.child.ppid, comm: s.child.comm })),
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
