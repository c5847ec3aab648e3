/**
 * A rise of a target's fork risk (risk.ts isRise: none→low/high, low→high)
 * warns once: a Slack message through the outbox, keyed by target, pid and
 * level (riseKey), so neither a second audit nor a forkwatch restart repeats
 * it. A warning, never a page, and no Alertmanager alert: Prometheus' rule
 * ForkwatchTargetForkRiskHigh on forkwatch_target_fork_risk_level covers
 * Alertmanager, at severity warning. The baseline is the last result that
 * could tell (none before the first): the first audit after start that finds
 * a risk warns, once per pid and level, across restarts too.
 */
import { configuredSinks, SLACK_SINK } from '../../extension/sinks.js';
import type { ExtensionContext } from '../../extension/context.js';
import type { AuditResult, RiskLevel } from '../types.js';
import { buildRiseMessage } from './message.js';
import { isRise, riseKey } from './risk.js';

export interface RiseTracker {
  /** Records the result; on a rise, warns (once per key) and returns true. */
  observe(ctx: ExtensionContext, result: AuditResult): boolean;
}

export function createRiseTracker(): RiseTracker {
  const baseline = new Map<string, RiskLevel>();
  return {
    observe(ctx, result) {
      const from = baseline.get(result.target) ?? 'none';
      if (result.risk !== null) baseline.set(result.target, result.risk);
      if (!isRise(from, result.risk)) return false;
      warn(ctx, from, result);
      return true;
    },
  };
}

function warn(ctx: ExtensionContext, from: RiskLevel, result: AuditResult): void {
  const key = riseKey(result);
  const fields = {
    target: result.target,
    pid: result.pid,
    from,
    to: result.risk,
    reasons: result.reasons.map((r) => r.rule),
    key,
  };
  ctx.logger.warn(fields, 'fork risk rose');
  if (!configuredSinks(ctx.config).includes(SLACK_SINK)) return;
  try {
    const n = ctx.store.enqueueMessage(
      key,
      [SLACK_SINK],
      JSON.stringify(buildRiseMessage({ host: ctx.store.host, from, result })),
    );
    if (n === 0) ctx.logger.info(fields, 'fork risk rose: this warning was already enqueued');
  } catch (err) {
    ctx.logger.error({ ...fields, err }, 'fork risk rose: enqueueing the Slack warning failed');
  }
}
