/**
 * The core of a confirmed hung child, as part of the bundle extension's
 * afterTick (before remediation may SIGKILL the child): taken once per
 * incident when core.enabled, stored as extra.core in the evidence; and the
 * sweep that keeps `${stateDir}/cores/` under retention and under
 * CORE_TOTAL_FACTOR × core.maxBytes.
 */
import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { takeCore, type CoreResult } from '../capture/core.js';
import { coresDir, CORE_TOTAL_FACTOR, listCoreFiles, planSweep, removeQuietly } from '../capture/core-files.js';
import type { RunProgramFn } from '../capture/capture-stack.js';
import type { IncidentStore } from '../record/types.js';
import type { Logger } from '../util/logger.js';
import { CORE_RESULT_KEY } from '../record/extra-keys.js';

/** Where the outcome lives in IncidentEvidence.extra. */
export const CORE_KEY = CORE_RESULT_KEY;

/** gcore's bound: a core is written at disk speed (~0.5–1 GB/s here), much slower than a stack is printed. */
export const CORE_TIMEOUT_FACTOR = 3;

export interface CoreStepDeps {
  config: Config;
  store: IncidentStore;
  logger: Logger;
  now: () => number;
  run?: RunProgramFn;
}

export function coreDirOf(config: Config): string {
  return coresDir(resolve(config.stateDir));
}

/** Take the incident's core unless one was tried already (extra.core present). */
export async function storeCore(deps: CoreStepDeps, id: string): Promise<CoreResult | null> {
  const { config, store, logger } = deps;
  const incident = store.get(id);
  if (!incident || incident.state !== 'confirmed' || incident.evidence.extra?.[CORE_KEY]) return null;
  const dir = coreDirOf(config);
  // Room first: the new core may take up to maxBytes.
  sweepCores(deps, config.core.maxBytes);
  const result = await takeCore(
    { incidentId: incident.id, pid: incident.childPid, startTimeMs: incident.childStartMs },
    {
      dir,
      maxBytes: config.core.maxBytes,
      gcorePath: config.tools.gcore,
      timeoutMs: config.capture.timeoutMs * CORE_TIMEOUT_FACTOR,
      procRoot: config.procRoot,
      now: deps.now,
      ...(deps.run ? { run: deps.run } : {}),
    },
  );
  const latest = store.get(id);
  if (latest) store.updateEvidence(id, { extra: { ...latest.evidence.extra, [CORE_KEY]: result } });
  const fields = {
    incident: id,
    pid: incident.childPid,
    target: incident.targetName,
    outcome: result.outcome,
    bytes: result.bytes,
    estimateBytes: result.estimateBytes,
    durationMs: result.durationMs,
    path: result.path,
  };
  if (result.outcome === 'written') logger.info(fields, 'core of the hung child written');
  else
    logger.warn({ ...fields, reason: result.reason }, `no core of the hung child: ${result.reason ?? result.outcome}`);
  return result;
}

/**
 * Delete cores whose incident is gone (pruned) or resolved longer than
 * `retention` ago, then the oldest until all of them plus reserveBytes fit in
 * CORE_TOTAL_FACTOR × core.maxBytes. A deleted core of a still-stored
 * incident is marked in its evidence (deletedAt, deletedReason).
 */
export function sweepCores(deps: CoreStepDeps, reserveBytes = 0): number {
  const { config, store, logger } = deps;
  const files = listCoreFiles(coreDirOf(config));
  if (files.length === 0) return 0;
  const now = deps.now();
  const keep = (incidentId: string): string | null => {
    const i = store.get(incidentId);
    if (!i) return 'no such incident (pruned after retention)';
    if (i.state === 'resolved' && i.resolvedAt !== null && i.resolvedAt < now - config.retentionMs)
      return 'incident resolved longer ago than retention';
    return null;
  };
  const plan = planSweep(files, keep, CORE_TOTAL_FACTOR * config.core.maxBytes, reserveBytes);
  for (const { file, reason } of plan) {
    if (!removeQuietly(file.path)) continue;
    logger.info({ incident: file.incidentId, path: file.path, bytes: file.bytes, reason }, 'core file removed');
    const i = store.get(file.incidentId);
    const prev = i?.evidence.extra?.[CORE_KEY] as CoreResult | undefined;
    if (i && prev)
      store.updateEvidence(i.id, {
        extra: { ...i.evidence.extra, [CORE_KEY]: { ...prev, deletedAt: now, deletedReason: reason } },
      });
  }
  return plan.length;
}
