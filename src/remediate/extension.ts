/**
 * Remediation as a daemon extension: after each tick (record has stored the
 * evidence; ticks stay serialized) the daemon judges every confirmed incident
 * by remediation.{mode,signatures,minAge} and acts on the ones that qualify
 * (act.ts); POST /api/v1/incidents/:id/kill joins the server. One decision per
 * incident and mode is recorded; a refusal (the process changed) is retried on
 * later ticks a bounded number of times, until the incident resolves.
 */
import type { DaemonExtension, ExtensionContext } from '../extension/context.js';
import { killRoute } from './routes.js';
import type { AuditRecord, Incident } from '../record/types.js';
import { readBootTimeSec } from '../proc/boot-clock.js';
import { getClockTicks } from '../scan/clock.js';
import type { BootClock } from '../proc/boot-clock.js';
import { actOnIncident, type ActDeps } from './act.js';
import { judgePolicy, type RemediationPolicy } from './policy.js';
import { countRemediation, remediationMetrics, zeroRemediationSeries } from './metrics.js';

/** Refused attempts per incident and mode before the daemon stops trying (the incident stays open). */
export const MAX_REFUSALS = 3;

export interface RemediationExtensionOptions {
  /** Replaces SIGKILL (tests). */
  signal?: (pid: number) => void;
  now?: () => number;
  clockTicks?: number;
}

export function createRemediationExtension(opts: RemediationExtensionOptions = {}): DaemonExtension {
  let clock: BootClock | null = null;
  const now = opts.now ?? Date.now;

  const depsOf = (ctx: ExtensionContext): ActDeps => ({
    store: ctx.store,
    logger: ctx.logger.child({ stage: 'remediate' }),
    metrics: remediationMetrics(ctx.metrics.registry),
    procRoot: ctx.config.procRoot,
    // Without btime (no Linux procfs) nothing can be verified: every read fails and every request is refused.
    clock: clock ?? { btimeSec: readBootTimeSec(ctx.config.procRoot) ?? 0, clockTicks: opts.clockTicks ?? 100 },
    targetPids: () => ctx.daemon.snapshot().lastReport?.targets.map((t) => t.process.pid) ?? [],
    ...(opts.signal ? { signal: opts.signal } : {}),
    now,
  });

  return {
    name: 'remediation',
    registerMetrics: (registry) => void remediationMetrics(registry),
    routes: (app, ctx) => killRoute((req) => actOnIncident(req, depsOf(ctx)))(app, ctx),
    async start(ctx) {
      const btimeSec = readBootTimeSec(ctx.config.procRoot);
      clock = btimeSec === null ? null : { btimeSec, clockTicks: opts.clockTicks ?? (await getClockTicks()) };
      const mode = ctx.config.remediation.mode;
      if (mode !== 'off') {
        zeroRemediationSeries(remediationMetrics(ctx.metrics.registry), mode);
        ctx.logger.info(
          { remediation: ctx.config.remediation, procfs: clock !== null },
          `remediation ${mode}: confirmed hung children ${mode === 'kill' ? 'are killed' : 'are only judged'} after their evidence is stored`,
        );
      }
    },
    afterTick(_summary, ctx) {
      const policy: RemediationPolicy = {
        mode: ctx.config.remediation.mode,
        signatures: ctx.config.remediation.signatures,
        minAgeMs: ctx.config.remediation.minAgeMs,
      };
      if (policy.mode === 'off') return;
      for (const summary of ctx.store.openIncidents()) {
        if (summary.state !== 'confirmed') continue;
        const verdict = judgePolicy(summary, policy, now());
        if (!verdict.act && !verdict.final) continue;
        const incident = ctx.store.get(summary.id);
        if (!incident || decided(incident, policy.mode)) continue;
        if (!verdict.act) {
          recordPolicySkip(ctx, incident, policy.mode, verdict.reason, now());
          continue;
        }
        actOnIncident(
          {
            incidentId: incident.id,
            mode: policy.mode,
            action: 'remediate',
            actor: 'forkwatch',
            reason: verdict.reason,
          },
          depsOf(ctx),
        );
      }
    },
  };
}

/** A decision already recorded for this mode: acted, skipped by policy or dry-run, failed, or refused too often. */
export function decided(i: Pick<Incident, 'audit'>, mode: string): boolean {
  const mine = i.audit.filter((a: AuditRecord) => a.action === 'remediate' && a.mode === mode);
  return mine.some((a) => a.outcome !== 'refused') || mine.length >= MAX_REFUSALS;
}

function recordPolicySkip(ctx: ExtensionContext, i: Incident, mode: string, reason: string, at: number): void {
  ctx.store.addAudit(i.id, {
    at,
    action: 'remediate',
    mode,
    outcome: 'skipped',
    detail: `not eligible: ${reason}`,
    actor: 'forkwatch',
    data: { policy: ctx.config.remediation },
  });
  countRemediation(remediationMetrics(ctx.metrics.registry), mode, 'skipped');
  ctx.logger.info(
    { incident: i.id, childPid: i.childPid, target: i.targetName, signature: i.signatureId, mode },
    `remediation skipped for child ${i.childPid}: ${reason}`,
  );
}
