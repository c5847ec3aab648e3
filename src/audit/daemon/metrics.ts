/**
 * The audit's metrics, registered on the daemon's private registry by the
 * audit extension (it owns them; DaemonExtension.registerMetrics). Encoding
 * (risk.ts RISK_VALUE): none 0, low 1, high 2; a target that cannot be told
 * has no series.
 *   forkwatch_target_fork_risk{target,reason}  one series per reason found, reason = the rule id (bounded by the rule set)
 *   forkwatch_target_fork_risk_level{target}   the overall level
 *   forkwatch_target_audits_total{target,outcome}  outcome ok / cannot_tell / failed
 */
import type { Counter, Gauge, Registry } from 'prom-client';
import { counterOn, gaugeOn } from '../../extension/metrics.js';
import type { AuditResult } from '../types.js';
import { riskSeries } from './risk.js';

export interface AuditMetrics {
  risk: Gauge<'target' | 'reason'>;
  level: Gauge<'target'>;
  audits: Counter<'target' | 'outcome'>;
}

/** Registered once per registry (DaemonExtension.registerMetrics, then start() gets the same ones). */
export function registerAuditMetrics(registry: Registry): AuditMetrics {
  return {
    risk: gaugeOn(registry, {
      name: 'forkwatch_target_fork_risk',
      help: 'Fork-risk audit: one series per reason found (reason = rule id); 1 low, 2 high.',
      labelNames: ['target', 'reason'],
    }),
    level: gaugeOn(registry, {
      name: 'forkwatch_target_fork_risk_level',
      help: 'Fork-risk audit of the target: 0 none, 1 low, 2 high; no series when it cannot tell.',
      labelNames: ['target'],
    }),
    audits: counterOn(registry, {
      name: 'forkwatch_target_audits_total',
      help: 'Fork-risk audits run, by outcome (ok, cannot_tell, failed).',
      labelNames: ['target', 'outcome'],
    }),
  };
}

/** Both gauges rebuilt from the latest results (a handful of targets, a few reasons each). */
export function setRiskGauges(
  m: Pick<AuditMetrics, 'risk' | 'level'>,
  results: Iterable<AuditResult>,
  ruleIds: ReadonlySet<string>,
): void {
  m.risk.reset();
  m.level.reset();
  for (const r of results) {
    const s = riskSeries(r, ruleIds);
    for (const x of s.reasons) m.risk.set({ target: x.target, reason: x.reason }, x.value);
    if (s.level !== null) m.level.set({ target: r.target }, s.level);
  }
}
