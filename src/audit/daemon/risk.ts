/**
 * The daemon's view of audit results, pure: how a result is bounded before
 * it is kept (its evidence comes from the watched process: hostile), how a
 * risk is encoded as a metric value, whether a new result is a rise worth a
 * warning, and the digest's at-risk list.
 */
import type { AtRiskTarget } from '../../extension/scheduled-jobs.js';
import type { AuditResult, RiskLevel } from '../types.js';

/** forkwatch_target_fork_risk / _level value: none 0, low 1, high 2 (cannot tell: no series). */
export const RISK_VALUE: Record<RiskLevel, number> = { none: 0, low: 1, high: 2 };

const MAX_TEXT = 512;
const MAX_REASONS = 50;
const MAX_EVIDENCE = 10;
const MAX_NOTES = 20;

const cap = (s: string, max = MAX_TEXT): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** Every string capped, every list bounded: what the API, page, Slack and bundle get. */
export function boundResult(r: AuditResult): AuditResult {
  return {
    target: cap(r.target, 128),
    pid: r.pid,
    risk: r.risk,
    reasons: r.reasons.slice(0, MAX_REASONS).map((x) => ({
      rule: cap(x.rule, 128),
      title: cap(x.title),
      level: x.level,
      evidence: { kind: x.evidence.kind, text: cap(x.evidence.text) },
      evidenceAll: x.evidenceAll.slice(0, MAX_EVIDENCE).map((e) => ({ kind: e.kind, text: cap(e.text) })),
      why: cap(x.why, 2048),
      prevention: cap(x.prevention, 2048),
      source: x.source.slice(0, MAX_EVIDENCE).map((s) => ({ title: cap(s.title), url: cap(s.url) })),
    })),
    notes: r.notes.slice(0, MAX_NOTES).map((n) => cap(n)),
  };
}

/** The level a rise is measured from: the last result that could tell, else none. */
export function baselineLevel(previous: readonly AuditResult[]): RiskLevel {
  for (let i = previous.length - 1; i >= 0; i--) {
    const r = previous[i]!.risk;
    if (r !== null) return r;
  }
  return 'none';
}

/** A rise: none→low/high or low→high. A fall, the same level or cannot tell is not. */
export function isRise(from: RiskLevel, to: RiskLevel | null): boolean {
  return to !== null && RISK_VALUE[to] > RISK_VALUE[from];
}

/** The outbox key of a rise warning: once per target, pid and level (a restart of forkwatch finds it). */
export function riseKey(r: Pick<AuditResult, 'target' | 'pid' | 'risk'>): string {
  return `fork-risk:${r.target}:${r.pid ?? 'none'}:${r.risk}`;
}

export interface RiskSeries {
  target: string;
  reason: string;
  value: number;
}

/** The metric's series for one result: one per reason (its rule id: bounded by the rule set), plus the level. */
export function riskSeries(
  r: AuditResult,
  ruleIds: ReadonlySet<string>,
): { reasons: RiskSeries[]; level: number | null } {
  if (r.risk === null) return { reasons: [], level: null };
  const reasons = r.reasons
    .filter((x) => ruleIds.has(x.rule))
    .map((x) => ({ target: r.target, reason: x.rule, value: RISK_VALUE[x.level] }));
  return { reasons, level: RISK_VALUE[r.risk] };
}

/** The digest's "watched JVMs at risk": low or high, highest first. */
export function atRiskList(results: Iterable<AuditResult>): AtRiskTarget[] {
  const out: AtRiskTarget[] = [];
  for (const r of results) {
    if (r.risk !== 'low' && r.risk !== 'high') continue;
    out.push({
      target: r.target,
      ...(r.pid !== null ? { pid: r.pid } : {}),
      risk: r.risk,
      reasons: r.reasons.map((x) => `${x.rule}: ${x.evidence.text}`),
    });
  }
  return out.sort((a, b) => RISK_VALUE[b.risk] - RISK_VALUE[a.risk] || a.target.localeCompare(b.target));
}
