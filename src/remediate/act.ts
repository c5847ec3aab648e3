/**
 * One remediation decision on one incident, synchronous from the last /proc
 * read to kill(2) so nothing else in forkwatch runs in between: load the
 * incident, re-verify the child (verify.ts), and in kill mode read its start
 * time once more and send SIGKILL (the child inherited the JVM's SIGTERM
 * handler and ignores TERM). Every outcome is an audit record on the incident,
 * a log line and a forkwatch_remediations_total count; a kill moves the
 * incident to 'remediated' (which enqueues the 'remediated' notification).
 *
 * Residual race (no pidfd from Node): between the last start-time read and
 * kill(2) the pid could be reused only if the child exited and the pid space
 * wrapped within microseconds. A hung child cannot exit by itself (its only
 * thread waits on a private futex nobody can wake), so only an outside kill in
 * that window could free its pid. docs/remediation.md has the details.
 */
import type { Logger } from '../util/logger.js';
import type { BootClock } from '../proc/boot-clock.js';
import { IncidentNotFoundError } from '../record/errors.js';
import type { AuditRecord, Incident, IncidentStore } from '../record/types.js';
import { incidentLogFields } from '../record/log-fields.js';
import { expectedOf, observeChild, readStartTicks } from './observe.js';
import { verifyHungChild, type VerifyResult } from './verify.js';
import { countRemediation, type RemediationMetrics } from './metrics.js';

export type ActMode = 'dry-run' | 'kill';
export type ActOutcome = 'killed' | 'skipped' | 'refused' | 'failed';

export interface ActRequest {
  incidentId: string;
  mode: ActMode;
  /** 'remediate' (the daemon, by policy) or 'operator-kill' (POST /api/v1/incidents/:id/kill). */
  action: 'remediate' | 'operator-kill';
  actor: string | null;
  /** Why this was asked: the policy verdict, or the operator's request. */
  reason: string;
}

export interface ActDeps {
  store: IncidentStore;
  logger: Logger;
  metrics?: RemediationMetrics;
  procRoot: string;
  clock: BootClock;
  /** Pids never signalled: every watched JVM found by the last scan; forkwatch and its parent are added here. */
  targetPids: () => readonly number[];
  /** Sends SIGKILL (tests replace it to prove what would be sent). */
  signal?: (pid: number) => void;
  now?: () => number;
  arch?: string;
}

export interface ActResult {
  outcome: ActOutcome;
  detail: string;
  /** The incident after the audit record was added. */
  incident: Incident;
  verify: VerifyResult | null;
  audit: AuditRecord;
  /** Set when the incident's state (not the process) ruled the action out. */
  stateProblem: boolean;
}

const SIGNAL = 'SIGKILL';

export function actOnIncident(req: ActRequest, deps: ActDeps): ActResult {
  const now = deps.now ?? Date.now;
  const incident = deps.store.get(req.incidentId);
  if (!incident) throw new IncidentNotFoundError(req.incidentId);
  const base = { action: req.action, mode: req.mode, actor: req.actor };
  if (incident.state !== 'confirmed') {
    const detail = `not acted on: the incident is ${incident.state}, only a confirmed hung child is ever signalled`;
    return finish(
      deps,
      incident,
      { ...base, at: now(), outcome: 'refused', detail, data: { reason: req.reason } },
      null,
      true,
    );
  }
  const forbidden = [process.pid, process.ppid, ...deps.targetPids()];
  const expected = expectedOf(incident, forbidden);
  const observed = observeChild(expected, {
    procRoot: deps.procRoot,
    clock: deps.clock,
    ...(deps.arch ? { arch: deps.arch } : {}),
  });
  const verify = verifyHungChild(expected, observed);
  const facts = {
    reason: req.reason,
    pid: incident.childPid,
    startTicks: observed.kernel?.startTicks ?? null,
    checksPassed: verify.passed,
    checksFailed: verify.failed,
    evidence: evidenceSummary(incident),
    pidfd: false,
  };
  if (!verify.ok) {
    const detail = `refused: ${verify.failed.map((f) => `${f.check}: ${f.detail}`).join('; ')}`;
    return finish(deps, incident, { ...base, at: now(), outcome: 'refused', detail, data: facts }, verify, false);
  }
  if (req.mode === 'dry-run') {
    const detail = `dry-run: every check passed; would send ${SIGNAL} to pid ${incident.childPid} (nothing sent)`;
    return finish(
      deps,
      incident,
      { ...base, at: now(), outcome: 'skipped', detail, data: { ...facts, signal: null } },
      verify,
      false,
    );
  }
  return signalChild(deps, incident, base, facts, verify, now);
}

function signalChild(
  deps: ActDeps,
  incident: Incident,
  base: Pick<AuditRecord, 'action' | 'mode' | 'actor'>,
  facts: Record<string, unknown>,
  verify: VerifyResult,
  now: () => number,
): ActResult {
  const pid = incident.childPid;
  const verifiedTicks = facts.startTicks as number | null;
  // The last look: same start time as the process just verified, then the signal at once.
  const t0 = performance.now();
  const ticks = readStartTicks(deps.procRoot, pid);
  if (verifiedTicks === null || ticks !== verifiedTicks) {
    const detail = `refused: pid ${pid} start time changed between verification and signal (${verifiedTicks} → ${ticks ?? 'gone'})`;
    return finish(deps, incident, { ...base, at: now(), outcome: 'refused', detail, data: facts }, verify, false);
  }
  try {
    (deps.signal ?? ((p: number) => process.kill(p, SIGNAL)))(pid);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const why =
      code === 'EPERM'
        ? "not permitted (forkwatch needs to run as the JVM's user, or with CAP_KILL)"
        : code === 'ESRCH'
          ? 'the process was already gone'
          : code;
    return finish(
      deps,
      incident,
      {
        ...base,
        at: now(),
        outcome: 'failed',
        detail: `failed: ${SIGNAL} to pid ${pid}: ${why}`,
        data: { ...facts, signal: SIGNAL, error: code },
      },
      verify,
      false,
    );
  }
  const lastReadToSignalUs = Math.round((performance.now() - t0) * 1000);
  const detail = `sent ${SIGNAL} to pid ${pid} (start tick ${ticks}) after ${verify.passed.length} checks passed`;
  const audit: AuditRecord = {
    ...base,
    at: now(),
    outcome: 'killed',
    detail,
    data: { ...facts, signal: SIGNAL, lastReadToSignalUs },
  };
  const after = deps.store.markRemediated(incident.id, audit);
  return report(deps, after, audit, verify, false);
}

function finish(
  deps: ActDeps,
  incident: Incident,
  audit: AuditRecord,
  verify: VerifyResult | null,
  stateProblem: boolean,
): ActResult {
  const after = deps.store.addAudit(incident.id, audit);
  return report(deps, after, audit, verify, stateProblem);
}

function report(
  deps: ActDeps,
  incident: Incident,
  audit: AuditRecord,
  verify: VerifyResult | null,
  stateProblem: boolean,
): ActResult {
  const outcome = audit.outcome as ActOutcome;
  if (deps.metrics) countRemediation(deps.metrics, audit.mode, outcome);
  const fields = {
    ...incidentLogFields(incident),
    signature: incident.signatureId,
    jenkinsJob: incident.jenkinsJob,
    action: audit.action,
    mode: audit.mode,
    outcome,
    actor: audit.actor ?? null,
  };
  const level = outcome === 'killed' || outcome === 'failed' ? 'warn' : 'info';
  deps.logger[level](
    fields,
    `remediation ${audit.mode} of child ${incident.childPid} (${incident.targetName}): ${audit.detail}`,
  );
  return { outcome, detail: audit.detail, incident, verify, audit, stateProblem };
}

/** What evidence was already stored when the decision was made (the proof that the bundle came first). */
function evidenceSummary(i: Incident): Record<string, unknown> {
  const e = i.evidence;
  return {
    stackCaptured: typeof e.stackRaw === 'string' && e.stackRaw.length > 0,
    captureAt: e.capture?.at ?? null,
    captureBackend: e.capture?.backend ?? null,
    kernelSamples: e.kernel?.length ?? 0,
    signatureId: i.signatureId,
    fingerprint: i.fingerprint,
    forkingThread: i.forkingThread
      ? { tid: i.forkingThread.tid, name: i.forkingThread.name, javaName: i.forkingThread.javaName ?? null }
      : null,
  };
}
