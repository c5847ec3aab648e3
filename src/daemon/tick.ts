/**
 * One tick: scan → classify → evidence (kernel samples, then a stack capture
 * once per identity, bounded; one stack of each lingering child, the second
 * look) → match → record → hand-off to sinks → metrics.
 * Never throws: a stage that fails is logged and counted
 * (forkwatch_scan_errors_total{stage}) and the tick carries on with what it
 * has. With a deadline (deps.signal), a stage still running when it passes is
 * left behind and the tick ends as failed, naming the stage
 * (src/daemon/stage-runner.ts). Work is proportional to what changed:
 * confirmed children are neither sampled nor captured again. Evidence the
 * store could not take is kept in memory and retried every tick
 * (src/daemon/unstored.ts).
 */
import { settleNamedByStack, settleProgressed } from '../classify/classify.js';
import type { ChildReport } from '../classify/types.js';
import type { SuspectEvidence } from '../capture/capturer.js';
import type { TickSummary } from '../extension/daemon-view.js';
import { logTransitions } from '../record/log-fields.js';
import { confirmedKeys, observe, resolveGone } from '../record/tick-steps.js';
import type { Transition } from '../record/transition.js';
import { childKey } from '../record/key.js';
import { collectEvidence, selectSuspects, stillSuspect } from './collect-evidence.js';
import { confirmSuspects } from './confirm.js';
import { lookAtLingering } from './second-look.js';
import { namedByStack, outcomeOf, type SecondLook } from '../stages/second-look.js';
import { createStageRunner, type StageRunner } from './stage-runner.js';
import type { TickDeps, TickMemory } from './tick-deps.js';
import { countTransitions, updateHungMetric, updateScanMetrics } from './tick-metrics.js';
import { storeUnhandled } from './unstored.js';

export async function runTick(deps: TickDeps, mem: TickMemory): Promise<TickSummary> {
  const at = (deps.now ?? Date.now)();
  const started = performance.now();
  const stages = createStageRunner(deps);
  const transitions: Transition[] = [];
  let suspects: ChildReport[] = [];
  let evidence = new Map<string, SuspectEvidence>();
  let looks: SecondLook[] = [];
  const scanned = await stages.run('scan', () => deps.scanner.scan());
  if (scanned) {
    mem.lastReport = scanned;
    deps.metrics.processesVanished.inc(scanned.stats.vanished);
    const confirmed = await stages.run('record', () => confirmedKeys(deps.store));
    // Without the store's view nothing can be confirmed safely this tick: only resolve and count.
    suspects = confirmed ? selectSuspects(scanned, confirmed, deps.store.host) : [];
    evidence = await collectEvidence(deps, suspects, stages);
    suspects = stillSuspect(suspects, evidence, deps.store.host);
    // A lingering child (old, never exec'd, not overdue) whose one stack names a deadlock is a suspect after all.
    looks = confirmed ? await lookAtLingering(deps, mem, scanned, confirmed, stages) : [];
    const named = looks.filter((l) => outcomeOf(l) === 'named');
    // A suspect its samples showed busy is progressing, in the report the API and the metrics show too (as scan's).
    const report = settleNamedByStack(settleProgressed(scanned, evidence.values()), namedByStack(looks));
    for (const look of named) {
      const key = childKey(deps.store.host, look.child);
      const settled = report.children.find((c) => childKey(deps.store.host, c) === key);
      if (!settled?.overdue) continue;
      suspects.push(settled);
      evidence.set(key, look.evidence);
    }
    mem.lastReport = report;
    transitions.push(
      ...((await stages.run('record', () => observe(deps.store, report, suspects, evidence, at))) ?? []),
    );
    transitions.push(...(await confirmSuspects(deps, suspects, evidence, at, stages, mem.unstored)));
    // Without the store's view (confirmed undefined) nothing is resolved: a confirmed child must not be dropped.
    if (confirmed)
      transitions.push(...((await stages.run('record', () => resolveGone(deps.store, report, at, confirmed))) ?? []));
    if (confirmed)
      await storeUnhandled(deps, mem.unstored, new Set(suspects.map((c) => childKey(deps.store.host, c))), stages);
    updateScanMetrics(deps.metrics, report, at);
  }
  countTransitions(deps.metrics, transitions);
  logTransitions(deps.logger, transitions);
  await stages.run('record', () => updateHungMetric(deps.metrics, deps.store));
  if (transitions.length > 0 && deps.notify) await stages.run('alert', () => deps.notify!(transitions));
  // the named second looks are in evidence now; the others' captures count too
  const captured =
    [...evidence.values()].filter((e) => e.freshCapture).length +
    looks.filter((l) => outcomeOf(l) !== 'named' && l.evidence.freshCapture).length;
  return finishTick(deps, mem, {
    at,
    started,
    stages,
    suspects: suspects.length,
    captured,
    transitions,
    scanned: scanned !== undefined,
  });
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
    transitions: r.transitions.map((t) => ({
      id: t.incident.id,
      from: t.from,
      to: t.to,
      signature: t.incident.signatureId,
    })),
    stages: r.stages.outcomes(),
    abandonedIn: r.stages.abandonedIn(),
    unstoredEvidence: mem.unstored.size,
  };
  mem.lastTick = summary;
  deps.logger.debug({ tick: { ...summary, transitions: summary.transitions.length } }, 'tick done');
  return summary;
}
