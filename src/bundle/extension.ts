/**
 * Evidence bundles as a daemon extension: GET /api/v1/incidents/:id/bundle,
 * and after each tick, for incidents confirmed since, the target facts only a
 * live target can give (JDK version, mapped libc, the forking thread's kernel
 * side), stored with the evidence (extra.targetFacts) before remediation —
 * registered after this extension — may act on them. Also keeps its metric
 * (metrics.ts), forkwatch_hung_children_by_forking_thread (bounded:
 * scm_polling / other / unidentified, never a job name). With core.enabled, the hung child's core
 * (core-step.ts) is taken right after the facts, still before remediation;
 * every tick sweeps the cores directory under retention.
 */
import type { DaemonExtension, ExtensionContext } from '../extension/context.js';
import type { IncidentSummary } from '../record/types.js';
import { TARGET_FACTS_KEY } from '../record/extra-keys.js';
import { collectTargetFacts } from '../capture/target-facts.js';
import { updateForkingThreadMetric } from './stuck-thread.js';
import { bundleMetrics } from './metrics.js';
import { registerBundleRoute, registerCoreRoute } from './routes.js';
import { storeCore, sweepCores, type CoreStepDeps } from './core-step.js';
import type { RunProgramFn } from '../capture/capture-stack.js';

export interface BundleExtensionOptions {
  now?: () => number;
  /** The runner gcore goes through (tests). */
  runCore?: RunProgramFn;
}

export function createBundleExtension(opts: BundleExtensionOptions = {}): DaemonExtension {
  /** Incidents whose facts are stored (or that were tried): each is done once. */
  const done = new Set<string>();
  return {
    name: 'bundle',
    registerMetrics: (registry) => void bundleMetrics(registry),
    routes: (app, ctx) => {
      registerBundleRoute(app, ctx);
      registerCoreRoute(app, ctx);
    },
    async afterTick(_summary, ctx) {
      const open = ctx.store.openIncidents().filter((i) => i.state !== 'suspect');
      for (const id of done) if (!open.some((i) => i.id === id)) done.delete(id);
      for (const summary of open) {
        if (done.has(summary.id)) continue;
        done.add(summary.id);
        await storeTargetFacts(ctx, summary, opts);
        if (ctx.config.core.enabled) await storeCoreSafely(ctx, summary.id, opts);
      }
      sweepCoresSafely(ctx, opts);
      updateForkingThreadMetric(bundleMetrics(ctx.metrics.registry), ctx.store);
    },
  };
}

async function storeTargetFacts(
  ctx: ExtensionContext,
  summary: IncidentSummary,
  opts: BundleExtensionOptions,
): Promise<void> {
  const incident = ctx.store.get(summary.id);
  if (!incident || incident.evidence.extra?.[TARGET_FACTS_KEY]) return;
  try {
    const facts = await collectTargetFacts(incident.targetPid, incident.forkingThread, {
      procRoot: ctx.config.procRoot,
      ...(opts.now ? { now: opts.now } : {}),
    });
    // Re-read: extra is replaced as a whole.
    const latest = ctx.store.get(summary.id);
    if (!latest) return;
    ctx.store.updateEvidence(summary.id, { extra: { ...latest.evidence.extra, [TARGET_FACTS_KEY]: facts } });
    ctx.logger.debug(
      { incident: summary.id, jdk: facts.jdk?.version ?? null, libc: facts.libcPath },
      'target facts stored for the evidence bundle',
    );
  } catch (err) {
    ctx.logger.warn({ err, incident: summary.id }, 'gathering target facts for the evidence bundle failed');
  }
}

function coreDeps(ctx: ExtensionContext, opts: BundleExtensionOptions): CoreStepDeps {
  return {
    config: ctx.config,
    store: ctx.store,
    logger: ctx.logger,
    now: opts.now ?? Date.now,
    ...(opts.runCore ? { run: opts.runCore } : {}),
  };
}

async function storeCoreSafely(ctx: ExtensionContext, id: string, opts: BundleExtensionOptions): Promise<void> {
  try {
    await storeCore(coreDeps(ctx, opts), id);
  } catch (err) {
    ctx.logger.warn({ err, incident: id }, 'taking the core of the hung child failed');
  }
}

function sweepCoresSafely(ctx: ExtensionContext, opts: BundleExtensionOptions): void {
  try {
    sweepCores(coreDeps(ctx, opts));
  } catch (err) {
    ctx.logger.warn({ err }, 'sweeping the cores directory failed');
  }
}
