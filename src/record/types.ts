/**
 * The incident model and the store's contract. The daemon (record stage), the
 * HTTP API, the alert sender and remediation all code against these names.
 */
import type { KernelEvidence, ForkingThread, ParsedStack, CaptureBackendName } from '../capture/types.js';
import type { SignatureMatch, Signature } from '../match/types.js';
import type { Logger } from '../util/logger.js';

/**
 * suspect: overdue never-exec'd child, not yet proven hung (no notification).
 * confirmed: a signature matched or blocking was proven (notifies 'opened').
 * remediated: forkwatch (or an operator through it) killed the child.
 * resolved: the child is gone (exited, killed, reaped, or its pid now names another process).
 */
export type IncidentState = 'suspect' | 'confirmed' | 'remediated' | 'resolved';
export const OPEN_STATES: readonly IncidentState[] = ['suspect', 'confirmed', 'remediated'];

export type Severity = Signature['severity'];

/** Why an incident was resolved. */
export type ResolvedReason =
  /** The child was not among the target's present suspects on a successful scan. */
  | 'gone'
  /** Same child pid present with another start time: the old process is gone. */
  | 'pid-reused';

/** ps/proc facts of a process, JSON-friendly (ProcessInfo has a Buffer cmdline). */
export interface ProcessFacts {
  pid: number;
  ppid: number;
  startTimeMs: number;
  stateCode: string;
  threads: number;
  uid: number | null;
  user?: string | null;
  comm: string;
  /** NUL separators shown as spaces. */
  cmdline: string;
  cmdlineTruncated: boolean;
  exe: string | null;
  cpuTimeMs: number | null;
}

/** Evidence kept with an incident. Every field optional: it accrues over ticks. */
export interface IncidentEvidence {
  /** Raw stack text as the capture tool printed it, capped at MAX_RAW_STACK_BYTES. */
  stackRaw?: string | null;
  /** True when stackRaw was cut by the store's cap (or the capture's). */
  stackRawTruncated?: boolean;
  /** Parsed threads; `raw` is dropped here (it is stackRaw). */
  stack?: Omit<ParsedStack, 'raw'> | null;
  /** Signature matches (matched frames with their indexes). */
  matches?: SignatureMatch[];
  /** Kernel evidence samples, oldest first, at most MAX_KERNEL_SAMPLES (newest kept). */
  kernel?: KernelEvidence[];
  child?: ProcessFacts | null;
  parent?: ProcessFacts | null;
  capture?: {
    backend: CaptureBackendName | null;
    at: number;
    ok: boolean;
    timedOut: boolean;
    durationMs: number;
    reason: string | null;
  } | null;
  /** Java thread dump text of the parent (issue 7), capped like stackRaw. */
  threadDump?: string | null;
  /** Anything else a later stage wants in the bundle (host facts, JDK version, core path). */
  extra?: Record<string, unknown>;
}

/** One remediation decision or operator action (issue 7). Append-only. */
export interface AuditRecord {
  at: number;
  /** e.g. 'remediate', 'operator-kill', 'reopen'. */
  action: string;
  /** e.g. 'dry-run', 'kill', 'operator'; null when not applicable. */
  mode: string | null;
  /** e.g. 'killed', 'skipped', 'refused', 'failed'. */
  outcome: string;
  /** Human-readable why. */
  detail: string;
  /** Structured facts (identity re-verified, pidfd used, signal), JSON. */
  data?: Record<string, unknown> | null;
  actor?: string | null;
}

/** The fields that make an incident unique: one incident per hung child. */
export interface IncidentIdentity {
  host: string;
  targetPid: number;
  targetStartMs: number;
  childPid: number;
  childStartMs: number;
}

/** An incident without its (possibly large) evidence and audit trail: what list() returns. */
export interface IncidentSummary extends IncidentIdentity {
  /** Stable, short, URL-safe, derived from key (incidentId(key)). */
  id: string;
  /** `${host}/${targetPid}@${targetStartMs}/${childPid}@${childStartMs}` (incidentKey()). */
  key: string;
  targetName: string;
  targetUser: string | null;
  state: IncidentState;
  openedAt: number;
  confirmedAt: number | null;
  remediatedAt: number | null;
  resolvedAt: number | null;
  resolvedReason: ResolvedReason | null;
  lastSeenAt: number;
  /** When the child became overdue (classify's overdueSince), where given. */
  overdueSince: number | null;
  /** A signature id, or 'proven_blocked' / 'unknown'; null while suspect. */
  signatureId: string | null;
  signatureTitle: string | null;
  signatureVersion: string | null;
  severity: Severity | null;
  fingerprint: string | null;
  jenkinsJob: string | null;
  forkingThread: ForkingThread | null;
}

export interface Incident extends IncidentSummary {
  evidence: IncidentEvidence;
  /** Oldest first. */
  audit: AuditRecord[];
}

/** One overdue never-exec'd child seen by a scan (toSuspectObservation builds it from a ChildReport). */
export interface SuspectObservation {
  targetName: string;
  targetPid: number;
  targetStartMs: number;
  targetUser: string | null;
  childPid: number;
  childStartMs: number;
  overdueSince?: number | null;
  /** Initial facts; kept on create, refreshed on later observations when given. */
  child?: ProcessFacts | null;
  parent?: ProcessFacts | null;
  /** Appended to evidence.kernel (bounded). */
  kernel?: KernelEvidence | null;
}

export interface ObserveResult {
  /** Incidents created by this call. */
  opened: IncidentSummary[];
  /** Existing open incidents whose lastSeenAt was updated. */
  seen: number;
  /** Resolved incidents seen again (same pid and start time) and reopened. */
  reopened: IncidentSummary[];
}

/** What confirm() records. */
export interface Confirmation {
  /** Defaults to the store's now(). */
  at?: number;
  signatureId: string;
  signatureTitle: string;
  signatureVersion: string | null;
  severity: Severity;
  fingerprint: string | null;
  forkingThread?: ForkingThread | null;
  jenkinsJob?: string | null;
  /** Merged into the incident's evidence (top-level keys replace). */
  evidence?: IncidentEvidence;
}

export interface ListQuery {
  state?: IncidentState | 'open' | IncidentState[];
  /** Target name. */
  target?: string;
  signature?: string;
  /** Incidents opened at or after this time (ms since epoch). */
  since?: number;
  /** 1..1000, default 50. */
  limit?: number;
  /** Opaque, from a previous page's nextCursor. */
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  /** null on the last page. */
  nextCursor: string | null;
}

export interface IncidentCounts {
  /** Open (non-resolved) incidents grouped by target, signature and state. */
  open: { target: string; signature: string | null; state: IncidentState; count: number }[];
  /** Resolved incidents still retained. */
  resolvedRetained: number;
}

// ---------------------------------------------------------------- outbox

export type OutboxTransition = 'opened' | 'resolved' | 'remediated' | `reminder:${number}`;
export type OutboxState = 'pending' | 'sent' | 'dead';

export interface OutboxItem {
  id: number;
  incidentId: string;
  transition: OutboxTransition;
  sink: string;
  createdAt: number;
  /** Delivery attempts so far (sent, retry and dead each count one). */
  attempts: number;
  nextAttemptAt: number;
  state: OutboxState;
  lastError: string | null;
  response: string | null;
  sentAt: number | null;
  /**
   * The incident as it was when the row was enqueued, with its audit trail; its
   * evidence lacks the bulky stackRaw, stack and threadDump (get(id) has them).
   */
  incident: Incident;
}

/** An outbox row of no incident (the digest): its body is the message as posted. */
export interface OutboxMessage {
  id: number;
  /** Unique per sink, e.g. "digest:2026-12-07T08:00:00.000Z". */
  key: string;
  sink: string;
  createdAt: number;
  attempts: number;
  body: string;
}

export interface OutboxStats {
  sink: string;
  pending: number;
  /** Age of the oldest pending row; 0 when none. */
  oldestPendingAgeMs: number;
  dead: number;
}

export interface NotificationQuery {
  state?: OutboxState;
  sink?: string;
  /** 1..1000, default 50. */
  limit?: number;
  cursor?: string | null;
}

// ---------------------------------------------------------------- the store

export interface OpenStoreOptions {
  /** Directory holding forkwatch.db (created if missing). */
  stateDir: string;
  /** This host's name: part of every incident key. */
  host: string;
  /** Configured notification sinks (e.g. ['slack', 'alertmanager']): one outbox row per sink per transition. */
  sinks: string[];
  logger?: Logger;
  /** Clock, ms since epoch (tests). */
  now?: () => number;
  /** Resolved incidents older than this are pruned by pruneResolved (default 30 d). */
  retentionMs?: number;
  /** See docs/store.md: NORMAL (default) survives kill -9; FULL also survives power loss at one fsync per write. */
  synchronous?: 'NORMAL' | 'FULL';
  /** ms to wait on a lock held by another connection (default 5000). */
  busyTimeoutMs?: number;
  /**
   * Own the stateDir (the daemon): a second owner is refused with 'in-use'
   * naming the first; the lock goes with close() or the process. Readers
   * (forkwatch bundle) leave it unset and may run beside the owner.
   */
  owner?: boolean;
}

/** All operations are synchronous and each is one SQLite transaction. */
export interface IncidentStore {
  /** Absolute path of forkwatch.db. */
  readonly path: string;
  readonly host: string;
  readonly sinks: readonly string[];

  /** Upsert suspect incidents for overdue never-exec'd children seen at scanAt. Never notifies. */
  observeSuspects(scanAt: number, suspects: SuspectObservation[]): ObserveResult;
  /**
   * suspect → confirmed (enqueues 'opened' per sink). On an already confirmed or
   * remediated incident updates the signature fields and evidence only.
   * Throws IncidentNotFoundError, IncidentStateError (resolved).
   */
  confirm(keyOrId: string, confirmation: Confirmation): Incident;
  /** Merge evidence (top-level keys replace; stackRaw capped; kernel samples appended and bounded). */
  updateEvidence(id: string, partial: IncidentEvidence): Incident;
  /**
   * Resolve open incidents of the named targets whose key is not in stillPresentKeys.
   * Only targets in targetsScanned (names of targets whose scan succeeded this tick)
   * are touched. Enqueues 'resolved' for incidents that had been confirmed or remediated.
   */
  resolveMissing(
    scanAt: number,
    stillPresentKeys: Iterable<string>,
    targetsScanned: Iterable<string>,
  ): IncidentSummary[];
  /** confirmed → remediated with an audit record; enqueues 'remediated'. Throws IncidentStateError unless confirmed/remediated. */
  markRemediated(id: string, audit: AuditRecord): Incident;
  /** Append an audit record (dry-run decisions, refusals, operator actions). */
  addAudit(id: string, audit: AuditRecord): Incident;
  /** Enqueue reminder n for an open confirmed/remediated incident; false when not open or already enqueued. */
  enqueueReminder(id: string, n: number): boolean;
  get(keyOrId: string): Incident | null;
  list(query?: ListQuery): Page<IncidentSummary>;
  /** All non-resolved incidents, oldest first. */
  openIncidents(): IncidentSummary[];
  /** Hook for "suspect unconfirmed for long": suspects opened at or before olderThan. */
  staleSuspects(olderThan: number): IncidentSummary[];
  counts(): IncidentCounts;
  /**
   * Delete resolved incidents (and their outbox and audit rows) resolved before now - retentionMs, and the
   * digest's sent or dead outbox rows created before then (pending ones are still owed). Returns how many incidents.
   */
  pruneResolved(now: number): number;

  // outbox, for the alert sender
  listDueNotifications(sink: string, now: number, limit: number): OutboxItem[];
  markNotificationSent(id: number, now: number, response?: string | null): void;
  markNotificationRetry(id: number, nextAttemptAt: number, error: string): void;
  markNotificationDead(id: number, error: string, response: string | null): void;
  outboxStats(now: number): OutboxStats[];
  listNotifications(query?: NotificationQuery): Page<OutboxItem>;
  /**
   * Outbox rows of no incident (src/record/messages.ts): one per sink unless
   * the key exists, with an optional store_meta row, in one transaction.
   * Returns rows inserted (0: the key was there). Marked sent/retry/dead like
   * any notification.
   */
  enqueueMessage(key: string, sinks: readonly string[], body: string, meta?: { name: string; value: string }): number;
  listDueMessages(sink: string, now: number, limit: number): OutboxMessage[];
  /** A store_meta value (e.g. the digest's cursor); null when unset. */
  meta(name: string): string | null;

  /** Idempotent. */
  close(): void;
}
