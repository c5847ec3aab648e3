/** SQLite rows ↔ the incident model. */
import type { ForkingThread } from '../capture/types.js';
import type {
  AuditRecord,
  Incident,
  IncidentEvidence,
  IncidentState,
  IncidentSummary,
  OutboxItem,
  OutboxState,
  OutboxTransition,
  ResolvedReason,
  Severity,
} from './types.js';

export interface IncidentRow {
  id: string;
  key: string;
  host: string;
  target_name: string;
  target_pid: number;
  target_start_ms: number;
  target_user: string | null;
  child_pid: number;
  child_start_ms: number;
  state: IncidentState;
  opened_at: number;
  confirmed_at: number | null;
  remediated_at: number | null;
  resolved_at: number | null;
  resolved_reason: string | null;
  last_seen_at: number;
  overdue_since: number | null;
  signature_id: string | null;
  signature_title: string | null;
  signature_version: string | null;
  severity: string | null;
  fingerprint: string | null;
  jenkins_job: string | null;
  forking_thread: string | null;
}

/** Columns for summaries: everything but the bulky evidence. */
export const SUMMARY_COLUMNS = `id, key, host, target_name, target_pid, target_start_ms, target_user, child_pid,
  child_start_ms, state, opened_at, confirmed_at, remediated_at, resolved_at, resolved_reason, last_seen_at,
  overdue_since, signature_id, signature_title, signature_version, severity, fingerprint, jenkins_job,
  forking_thread`;

export interface AuditRow {
  at: number;
  action: string;
  mode: string | null;
  outcome: string;
  detail: string;
  data: string | null;
  actor: string | null;
}

export interface OutboxRow {
  id: number;
  incident_id: string;
  transition: string;
  sink: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  state: string;
  last_error: string | null;
  response: string | null;
  sent_at: number | null;
  snapshot: string;
}

/** Stored JSON is ours, but a damaged value must not take the API down: fall back. */
export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toSummary(r: IncidentRow): IncidentSummary {
  return {
    id: r.id,
    key: r.key,
    host: r.host,
    targetName: r.target_name,
    targetPid: r.target_pid,
    targetStartMs: r.target_start_ms,
    targetUser: r.target_user,
    childPid: r.child_pid,
    childStartMs: r.child_start_ms,
    state: r.state,
    openedAt: r.opened_at,
    confirmedAt: r.confirmed_at,
    remediatedAt: r.remediated_at,
    resolvedAt: r.resolved_at,
    resolvedReason: r.resolved_reason as ResolvedReason | null,
    lastSeenAt: r.last_seen_at,
    overdueSince: r.overdue_since,
    signatureId: r.signature_id,
    signatureTitle: r.signature_title,
    signatureVersion: r.signature_version,
    severity: r.severity as Severity | null,
    fingerprint: r.fingerprint,
    jenkinsJob: r.jenkins_job,
    forkingThread: parseJson<ForkingThread | null>(r.forking_thread, null),
  };
}

export function toAudit(r: AuditRow): AuditRecord {
  const out: AuditRecord = { at: r.at, action: r.action, mode: r.mode, outcome: r.outcome, detail: r.detail };
  if (r.data !== null) out.data = parseJson<Record<string, unknown> | null>(r.data, null);
  if (r.actor !== null) out.actor = r.actor;
  return out;
}

/** light: the incidents.evidence column; bulk: incident_bulk.evidence (null: leave the bulky part out). */
export function toIncident(r: IncidentRow, light: string, bulk: string | null, audit: AuditRow[]): Incident {
  const evidence: IncidentEvidence = {
    ...parseJson<IncidentEvidence>(light, {}),
    ...parseJson<IncidentEvidence>(bulk, {}),
  };
  return { ...toSummary(r), evidence, audit: audit.map(toAudit) };
}

export function toOutboxItem(r: OutboxRow): OutboxItem {
  return {
    id: r.id,
    incidentId: r.incident_id,
    transition: r.transition as OutboxTransition,
    sink: r.sink,
    createdAt: r.created_at,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    state: r.state as OutboxState,
    lastError: r.last_error,
    response: r.response,
    sentAt: r.sent_at,
    incident: parseJson<Incident>(r.snapshot, {} as Incident),
  };
}
