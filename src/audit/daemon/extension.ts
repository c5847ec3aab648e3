/**
 * The fork-risk audit in the daemon, as an extension that owns its route,
 * metrics and rise handler. When it runs: after each tick, for every target
 * whose pid is new (the first tick after start audits every target found),
 * and on `audit.schedule` (every target again). Never on the tick's path:
 * afterTick only queues (bounded: one entry per target name) and returns; a
 * single worker audits one process at a time. Keeps the latest result per
 * target (plain, redacted, bounded), feeds the metrics, the digest's at-risk
 * list, the route, the status page (through the route) and the evidence
 * bundle (stored with each confirmed incident of the audited pid). A rise of
 * the risk warns once through the Slack outbox (rise.ts); a failure is logged
 * with the target and counted, never fatal.
 */
import type { DaemonExtension, ExtensionContext } from '../../extension/context.js';
import type { Config } from '../../config/config.js';
import { ConfigError } from '../../config/errors.js';
import type { ScheduledJobs } from '../../extension/scheduled-jobs.js';
import { auditProcess, jcmdOptions, type AuditOptions } from '../audit.js';
import { formatRuleErrors, loadRules } from '../load.js';
import type { AuditResult, CompiledRule } from '../types.js';
import { registerAuditMetrics, setRiskGauges, type AuditMetrics } from './metrics.js';
import { atRiskList, boundResult } from './risk.js';
import { registerAuditRoute } from './route.js';
import { createIncidentAttacher } from './incidents.js';
import { createRiseTracker } from './rise.js';

export interface AuditExtensionOptions {
  /** The audit of one process (tests: a stand-in). */
  audit?: (target: string, pid: number, rules: readonly CompiledRule[], opts: AuditOptions) => Promise<AuditResult>;
  now?: () => number;
}

export interface AuditExtension extends DaemonExtension {
  latest(target: string): { result: AuditResult; at: number } | null;
  /** Resolves when the queue is empty (tests, the scheduled job). */
  idle(): Promise<void>;
}

/** The shipped rules plus audit.rules.paths; a broken user file is a config error (exit 78), as for signatures. */
export function loadAuditRules(config: Pick<Config, 'audit'>): CompiledRule[] {
  const set = loadRules({ paths: config.audit.rulePaths });
  if (set.errors.length > 0)
    throw new ConfigError(
      'audit.rules.paths',
      config.audit.rulePaths,
      `loadable fork-risk rule files: ${formatRuleErrors(set.errors.slice(0, 5)).replace(/\n/g, '; ')}`,
    );
  return set.rules;
}

export function createAuditExtension(
  config: Config,
  wallClock: () => ScheduledJobs,
  opts: AuditExtensionOptions = {},
): AuditExtension {
  let rules = loadAuditRules(config);
  let ruleIds = new Set(rules.map((r) => r.id));
  const run = opts.audit ?? auditProcess;
  const now = opts.now ?? Date.now;
  const latest = new Map<string, { result: AuditResult; at: number }>();
  /** The pid each target was last audited (or queued) at: discovery audits a pid once. */
  const seenPid = new Map<string, number>();
  /** Bounded by the configured targets: one entry per name, the newest pid wins. */
  const queue = new Map<string, number>();
  let worker: Promise<void> | null = null;
  let ctx: ExtensionContext | null = null;
  let metrics: AuditMetrics | null = null;
  let stopped = false;
  const rise = createRiseTracker();
  const attachToIncidents = createIncidentAttacher();

  const keep = (c: ExtensionContext, result: AuditResult): void => {
    latest.set(result.target, { result, at: now() });
    rise.observe(c, result);
    if (metrics)
      setRiskGauges(
        metrics,
        [...latest.values()].map((l) => l.result),
        ruleIds,
      );
  };

  const auditOne = async (c: ExtensionContext, target: string, pid: number): Promise<void> => {
    try {
      const raw = await run(target, pid, rules, { procRoot: c.config.procRoot, jcmd: jcmdOptions(c.config) });
      const result = boundResult(raw);
      metrics?.audits.inc({ target, outcome: result.risk === null ? 'cannot_tell' : 'ok' });
      keep(c, result);
      c.logger.info(
        { target, pid, risk: result.risk, reasons: result.reasons.map((r) => r.rule) },
        'fork-risk audit done',
      );
    } catch (err) {
      metrics?.audits.inc({ target, outcome: 'failed' });
      c.logger.warn({ err, target, pid }, 'fork-risk audit failed');
    }
  };

  const work = async (): Promise<void> => {
    await Promise.resolve(); // never finish synchronously: `worker` is set before it is cleared
    try {
      while (!stopped && ctx && queue.size > 0) {
        const [target, pid] = queue.entries().next().value as [string, number];
        queue.delete(target);
        await auditOne(ctx, target, pid);
      }
    } finally {
      worker = null;
    }
  };
  const drain = (): Promise<void> => (worker ??= work());

  const enqueueFound = (c: ExtensionContext, force: boolean): void => {
    const report = c.daemon.snapshot().lastReport;
    if (!report) return;
    // One process per target name (the first the scan lists), like the rest of the daemon's per-target views.
    const found = new Map<string, number>();
    for (const t of report.targets) if (!found.has(t.name)) found.set(t.name, t.process.pid);
    for (const [name, pid] of found) {
      if (!force && seenPid.get(name) === pid) continue;
      seenPid.set(name, pid);
      queue.set(name, pid);
    }
    for (const name of report.missingTargets) {
      seenPid.delete(name);
      if ((latest.get(name)?.result.pid ?? null) !== null)
        keep(c, { target: name, pid: null, risk: null, reasons: [], notes: ['no process matches this target'] });
    }
  };

  return {
    name: 'audit',
    latest: (target) => latest.get(target) ?? null,
    idle: async () => {
      while (worker) await worker;
    },
    registerMetrics(registry) {
      metrics = registerAuditMetrics(registry);
    },
    routes: (app, c) => registerAuditRoute(app, c, { latest: (t) => latest.get(t) ?? null }),
    start(c) {
      ctx = c;
      metrics = registerAuditMetrics(c.metrics.registry);
      c.logger.info({ rules: rules.length }, 'fork-risk rules loaded');
      const clock = wallClock();
      clock.setAuditJob(async () => {
        enqueueFound(c, true);
        await drain();
      });
      clock.setAtRiskProvider(() => atRiskList([...latest.values()].map((l) => l.result)));
    },
    afterTick(_summary, c) {
      enqueueFound(c, false);
      attachToIncidents(c, latest);
      // Not awaited: the audit runs after the tick, off its path.
      void drain();
    },
    /** SIGHUP: the reload already validated the rule files (src/daemon/reload.ts); the next audits use them. */
    reconfigure(c) {
      rules = loadAuditRules(c.config);
      ruleIds = new Set(rules.map((r) => r.id));
      c.logger.info({ rules: rules.length }, 'fork-risk rules reloaded');
    },
    async stop() {
      stopped = true;
      queue.clear();
      await worker;
    },
  };
}
