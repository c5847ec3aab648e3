/** The SQLite incident store: every public operation is one transaction. */
import type { Database, Statement } from 'better-sqlite3';
import type { KernelEvidence } from '../proc/kernel-evidence.js';
import type { Logger } from '../util/logger.js';
import { FINGERPRINT_VERSION } from '../match/fingerprint-version.js';
import { IncidentNotFoundError, IncidentStateError, StoreInputError } from './errors.js';
import { appendKernel, mergeEvidence, splitEvidence, touchesBulk } from './evidence.js';
import { incidentId, incidentKey, looksLikeIncidentId } from './key.js';
import { listIncidents } from './list.js';
import { OutboxOps } from './outbox.js';
import { MessageOps } from './messages.js';
import { SUMMARY_COLUMNS, parseJson, toIncident, toSummary, type AuditRow, type IncidentRow } from './rows.js';
import type {
  AuditRecord,
  Confirmation,
  Incident,
  IncidentCounts,
  IncidentEvidence,
  IncidentStore,
  IncidentSummary,
  ListQuery,
  NotificationQuery,
  ObserveResult,
  OutboxItem,
  OutboxMessage,
  OutboxStats,
  OutboxTransition,
  Page,
  ResolvedReason,
  SuspectObservation,
} from './types.js';

export interface StoreSettings {
  path: string;
  host: string;
  sinks: string[];
  now: () => number;
  retentionMs: number;
  logger?: Logger | undefined;
  /** Called once by close(), after the database: the stateDir lock is released last. */
  onClose?: (() => void) | undefined;
}

export class SqliteIncidentStore implements IncidentStore {
  readonly path: string;
  readonly host: string;
  readonly sinks: readonly string[];
  private readonly now: () => number;
  private readonly retentionMs: number;
  private readonly log: Logger | undefined;
  private readonly outbox: OutboxOps;
  private readonly messages: MessageOps;
  private readonly st: Record<string, Statement>;
  private closed = false;
  /** openIncidents()'s last read and the database version it was read at. */
  private openKept: { version: string; items: IncidentSummary[] } | null = null;
  private readonly onClose: (() => void) | undefined;

  constructor(
    private readonly db: Database,
    s: StoreSettings,
  ) {
    this.path = s.path;
    this.host = s.host;
    this.sinks = s.sinks;
    this.now = s.now;
    this.retentionMs = s.retentionMs;
    this.log = s.logger;
    this.onClose = s.onClose;
    this.outbox = new OutboxOps(db, s.sinks);
    this.messages = new MessageOps(db);
    this.st = prepareStatements(db);
  }

  observeSuspects(scanAt: number, suspects: SuspectObservation[]): ObserveResult {
    return this.db
      .transaction(() => {
        const result: ObserveResult = { opened: [], seen: 0, reopened: [] };
        for (const s of suspects) this.observeOne(scanAt, s, result);
        return result;
      })
      .immediate();
  }

  private observeOne(scanAt: number, s: SuspectObservation, result: ObserveResult): void {
    const key = incidentKey({ host: this.host, ...s });
    const row = this.st.observeByKey!.get(key) as ObservedRow | undefined;
    if (!row) {
      this.insertSuspect(scanAt, key, s);
      const created = this.summary(incidentId(key));
      result.opened.push(created);
      this.log?.debug(logFields(created), 'incident opened (suspect)');
      return;
    }
    // A hung child's kernel state does not change: most ticks only move last_seen_at.
    const kernelSig = s.kernel ? kernelSignature(s.kernel) : null;
    if (s.kernel && kernelSig !== row.last_kernel) {
      const evidence = parseJson<IncidentEvidence>(row.evidence, {});
      evidence.kernel = appendKernel(evidence.kernel ?? [], [s.kernel]);
      this.st.setKernel!.run({ id: row.id, evidence: JSON.stringify(evidence), lastKernel: kernelSig });
    }
    this.st.touch!.run({ id: row.id, at: scanAt, overdue: s.overdueSince ?? null });
    if (row.state !== 'resolved') {
      result.seen += 1;
      return;
    }
    this.reopen(this.st.byId!.get(row.id) as IncidentRow, scanAt);
    result.reopened.push(this.summary(row.id));
  }

  private insertSuspect(scanAt: number, key: string, s: SuspectObservation): void {
    const evidence: IncidentEvidence = {};
    if (s.child) evidence.child = s.child;
    if (s.parent) evidence.parent = s.parent;
    if (s.kernel) evidence.kernel = [s.kernel];
    this.st.insert!.run({
      id: incidentId(key),
      key,
      host: this.host,
      targetName: s.targetName,
      targetPid: s.targetPid,
      targetStartMs: s.targetStartMs,
      targetUser: s.targetUser,
      childPid: s.childPid,
      childStartMs: s.childStartMs,
      at: scanAt,
      overdue: s.overdueSince ?? null,
      evidence: JSON.stringify(evidence),
      lastKernel: s.kernel ? kernelSignature(s.kernel) : null,
    });
  }

  /** Seen again with the same pid and start time: it was not gone after all. */
  private reopen(row: IncidentRow, at: number): void {
    const state = row.remediated_at !== null ? 'remediated' : row.confirmed_at !== null ? 'confirmed' : 'suspect';
    this.st.reopen!.run({ id: row.id, state });
    this.insertAudit(row.id, {
      at,
      action: 'reopen',
      mode: null,
      outcome: 'reopened',
      detail: `seen again by a scan after being resolved (${row.resolved_reason ?? 'gone'}); back to ${state}`,
    });
    this.log?.warn({ ...logFields(toSummary(row)), state }, 'incident reopened');
  }

  confirm(keyOrId: string, c: Confirmation): Incident {
    return this.db
      .transaction(() => {
        const row = this.requireRow(keyOrId);
        if (row.state === 'resolved') throw new IncidentStateError(row.id, row.state, 'confirm');
        const at = c.at ?? this.now();
        this.st.confirm!.run({
          id: row.id,
          at,
          sigId: c.signatureId,
          sigTitle: c.signatureTitle,
          sigVersion: c.signatureVersion,
          severity: c.severity,
          fingerprint: c.fingerprint,
          fingerprintVersion: FINGERPRINT_VERSION,
          forkingThread: c.forkingThread === undefined ? null : JSON.stringify(c.forkingThread),
          keepForkingThread: c.forkingThread === undefined ? 1 : 0,
          jenkinsJob: c.jenkinsJob ?? null,
          keepJenkinsJob: c.jenkinsJob === undefined ? 1 : 0,
        });
        if (c.evidence) this.writeEvidence(row.id, c.evidence);
        if (row.state === 'suspect') {
          this.enqueue(row.id, 'opened');
          this.log?.debug(logFields(this.summary(row.id)), 'incident confirmed');
        }
        return this.full(row.id);
      })
      .immediate();
  }

  updateEvidence(id: string, partial: IncidentEvidence): Incident {
    return this.db
      .transaction(() => {
        const row = this.requireRow(id);
        this.writeEvidence(row.id, partial);
        return this.full(row.id);
      })
      .immediate();
  }

  private writeEvidence(id: string, partial: IncidentEvidence): void {
    const base = {
      ...parseJson<IncidentEvidence>(this.lightOf(id), {}),
      ...parseJson<IncidentEvidence>(this.bulkOf(id), {}),
    };
    const { light, bulk } = splitEvidence(mergeEvidence(base, partial));
    if (touchesBulk(partial)) this.st.setBulk!.run({ id, bulk: JSON.stringify(bulk) });
    this.st.setEvidence!.run({ id, evidence: JSON.stringify(light) });
  }

  resolveMissing(
    scanAt: number,
    stillPresentKeys: Iterable<string>,
    targetsScanned: Iterable<string>,
  ): IncidentSummary[] {
    const present = new Set(stillPresentKeys);
    const presentPids = new Set([...present].map(withoutChildStart));
    const targets = [...new Set(targetsScanned)];
    return this.db
      .transaction(() => {
        const resolved: IncidentSummary[] = [];
        for (const target of targets) {
          for (const row of this.st.openOfTarget!.all(this.host, target) as {
            id: string;
            key: string;
            confirmed_at: number | null;
          }[]) {
            if (present.has(row.key)) continue;
            const reason: ResolvedReason = presentPids.has(withoutChildStart(row.key)) ? 'pid-reused' : 'gone';
            this.st.resolve!.run({ id: row.id, at: scanAt, reason });
            if (row.confirmed_at !== null) this.enqueue(row.id, 'resolved');
            const done = this.summary(row.id);
            resolved.push(done);
            this.log?.debug({ ...logFields(done), reason }, 'incident resolved');
          }
        }
        return resolved;
      })
      .immediate();
  }

  markRemediated(id: string, audit: AuditRecord): Incident {
    return this.db
      .transaction(() => {
        const row = this.requireRow(id);
        if (row.state !== 'confirmed' && row.state !== 'remediated')
          throw new IncidentStateError(row.id, row.state, 'mark remediated');
        this.st.remediate!.run({ id: row.id, at: audit.at });
        this.insertAudit(row.id, audit);
        this.enqueue(row.id, 'remediated');
        return this.full(row.id);
      })
      .immediate();
  }

  addAudit(id: string, audit: AuditRecord): Incident {
    return this.db
      .transaction(() => {
        const row = this.requireRow(id);
        this.insertAudit(row.id, audit);
        return this.full(row.id);
      })
      .immediate();
  }

  enqueueReminder(id: string, n: number): boolean {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new StoreInputError(`reminder number must be a positive integer, got ${String(n)}`);
    return this.db
      .transaction(() => {
        const row = this.requireRow(id);
        if (row.state === 'resolved' || row.confirmed_at === null) return false;
        return this.enqueue(row.id, `reminder:${n}`) > 0;
      })
      .immediate();
  }

  get(keyOrId: string): Incident | null {
    const row = this.findRow(keyOrId);
    return row ? this.full(row.id) : null;
  }

  list(query: ListQuery = {}): Page<IncidentSummary> {
    return listIncidents(this.db, query);
  }

  /**
   * Read again only when the database changed since the last call: a tick asks 4-6 times (the tick, the bundle,
   * the audit, alerts, remediation), each read of 1,000 open incidents was ~2 MB that outlived V8's 1 MB young
   * space and was promoted, the old space's main growth under a GET flood (bench/RESULTS.md "http GET load").
   * The summaries are frozen (they are shared); the array is each caller's own.
   */
  openIncidents(): IncidentSummary[] {
    const version = `${this.st.totalChanges!.get() as number} ${this.st.dataVersion!.get() as number}`;
    if (this.openKept?.version !== version)
      this.openKept = {
        version,
        items: (this.st.open!.all() as IncidentRow[]).map((r) => Object.freeze(toSummary(r))),
      };
    return this.openKept.items.slice();
  }

  staleSuspects(olderThan: number): IncidentSummary[] {
    return (this.st.stale!.all(olderThan) as IncidentRow[]).map(toSummary);
  }

  counts(): IncidentCounts {
    const open = this.st.countOpen!.all() as IncidentCounts['open'];
    const resolved = this.st.countResolved!.get() as { n: number };
    return { open, resolvedRetained: resolved.n };
  }

  pruneResolved(now: number): number {
    const before = now - this.retentionMs;
    const [n, messages] = this.db
      .transaction((): [number, number] => [this.st.prune!.run(before).changes, this.messages.prune(before)])
      .immediate();
    if (n > 0) this.log?.info({ pruned: n, retentionMs: this.retentionMs }, 'resolved incidents pruned');
    if (messages > 0) this.log?.info({ pruned: messages, retentionMs: this.retentionMs }, 'old digest messages pruned');
    return n;
  }

  listDueNotifications(sink: string, now: number, limit: number): OutboxItem[] {
    return this.outbox.listDue(sink, now, limit);
  }
  markNotificationSent(id: number, now: number, response?: string | null): void {
    this.outbox.markSent(id, now, response ?? null);
  }
  markNotificationRetry(id: number, nextAttemptAt: number, error: string): void {
    this.outbox.markRetry(id, nextAttemptAt, error);
  }
  markNotificationDead(id: number, error: string, response: string | null): void {
    this.outbox.markDead(id, error, response);
  }
  outboxStats(now: number): OutboxStats[] {
    return this.outbox.stats(now);
  }
  listNotifications(query: NotificationQuery = {}): Page<OutboxItem> {
    return this.outbox.list(query);
  }
  enqueueMessage(key: string, sinks: readonly string[], body: string, meta?: { name: string; value: string }): number {
    return this.messages.enqueue(key, sinks, this.now(), body, meta);
  }
  listDueMessages(sink: string, now: number, limit: number): OutboxMessage[] {
    return this.messages.listDue(sink, now, limit);
  }
  meta(name: string): string | null {
    return this.messages.meta(name);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.close();
    } finally {
      this.onClose?.();
    }
  }

  // ------------------------------------------------------------ helpers

  private findRow(keyOrId: string): IncidentRow | undefined {
    if (looksLikeIncidentId(keyOrId)) {
      const byId = this.st.byId!.get(keyOrId) as IncidentRow | undefined;
      if (byId) return byId;
    }
    return this.st.byKey!.get(keyOrId) as IncidentRow | undefined;
  }

  private requireRow(keyOrId: string): IncidentRow {
    const row = this.findRow(keyOrId);
    if (!row) throw new IncidentNotFoundError(keyOrId);
    return row;
  }

  private summary(id: string): IncidentSummary {
    return toSummary(this.st.byId!.get(id) as IncidentRow);
  }

  private full(id: string): Incident {
    const row = this.st.byId!.get(id) as IncidentRow;
    return toIncident(row, this.lightOf(id), this.bulkOf(id), this.st.audit!.all(id) as AuditRow[]);
  }

  private lightOf(id: string): string {
    return (this.st.evidence!.get(id) as { evidence: string }).evidence;
  }

  private bulkOf(id: string): string | null {
    return (this.st.bulk!.get(id) as { evidence: string } | undefined)?.evidence ?? null;
  }

  private insertAudit(id: string, a: AuditRecord): void {
    this.st.insertAudit!.run({
      id,
      at: a.at,
      action: a.action,
      mode: a.mode ?? null,
      outcome: a.outcome,
      detail: a.detail,
      data: a.data == null ? null : JSON.stringify(a.data),
      actor: a.actor ?? null,
    });
  }

  /** One row per sink; the snapshot is the incident now, without bulky evidence. Returns rows inserted. */
  private enqueue(id: string, transition: OutboxTransition): number {
    const row = this.st.byId!.get(id) as IncidentRow;
    const snapshot = toIncident(row, this.lightOf(id), null, this.st.audit!.all(id) as AuditRow[]);
    return this.outbox.enqueue(id, transition, this.now(), JSON.stringify(snapshot));
  }
}

/** "host/tpid@tstart/cpid@cstart" → "host/tpid@tstart/cpid": same child pid, any start time. */
function withoutChildStart(key: string): string {
  return key.slice(0, key.lastIndexOf('@'));
}

interface ObservedRow {
  id: string;
  state: string;
  evidence: string;
  last_kernel: string | null;
}

/** A kernel sample without its timestamp: equal signatures mean no progress, nothing new to keep. */
function kernelSignature(k: KernelEvidence): string {
  const { at: _at, ...rest } = k;
  return JSON.stringify(rest);
}

function logFields(i: IncidentSummary): Record<string, unknown> {
  return {
    incident: i.id,
    target: i.targetName,
    targetPid: i.targetPid,
    childPid: i.childPid,
    childStartMs: i.childStartMs,
    signature: i.signatureId,
  };
}

function prepareStatements(db: Database): Record<string, Statement> {
  const q = (sql: string): Statement => db.prepare(sql);
  return {
    byKey: q(`SELECT ${SUMMARY_COLUMNS} FROM incidents WHERE key = ?`),
    observeByKey: q(`SELECT id, state, evidence, last_kernel FROM incidents WHERE key = ?`),
    byId: q(`SELECT ${SUMMARY_COLUMNS} FROM incidents WHERE id = ?`),
    bulk: q(`SELECT evidence FROM incident_bulk WHERE incident_id = ?`),
    evidence: q(`SELECT evidence FROM incidents WHERE id = ?`),
    audit: q(`SELECT at, action, mode, outcome, detail, data, actor FROM audit WHERE incident_id = ? ORDER BY id`),
    insert: q(`INSERT INTO incidents (id, key, host, target_name, target_pid, target_start_ms, target_user, child_pid,
        child_start_ms, state, opened_at, last_seen_at, overdue_since, evidence, last_kernel)
      VALUES (@id, @key, @host, @targetName, @targetPid, @targetStartMs, @targetUser, @childPid, @childStartMs,
        'suspect', @at, @at, @overdue, @evidence, @lastKernel)`),
    touch:
      q(`UPDATE incidents SET last_seen_at = max(last_seen_at, @at), overdue_since = coalesce(overdue_since, @overdue)
      WHERE id = @id`),
    setKernel: q(`UPDATE incidents SET evidence = @evidence, last_kernel = @lastKernel WHERE id = @id`),
    reopen: q(`UPDATE incidents SET state = @state, resolved_at = NULL, resolved_reason = NULL WHERE id = @id`),
    confirm: q(`UPDATE incidents SET
        state = CASE state WHEN 'suspect' THEN 'confirmed' ELSE state END,
        confirmed_at = coalesce(confirmed_at, @at),
        signature_id = @sigId, signature_title = @sigTitle, signature_version = @sigVersion,
        severity = @severity,
        fingerprint = CASE WHEN fingerprint_version = 1 THEN fingerprint ELSE @fingerprint END,
        fingerprint_version = CASE WHEN fingerprint_version = 1 THEN 1 WHEN @fingerprint IS NULL THEN NULL ELSE @fingerprintVersion END,
        forking_thread = CASE WHEN @keepForkingThread THEN forking_thread ELSE @forkingThread END,
        jenkins_job = CASE WHEN @keepJenkinsJob THEN jenkins_job ELSE @jenkinsJob END
      WHERE id = @id`),
    setEvidence: q(`UPDATE incidents SET evidence = @evidence WHERE id = @id`),
    setBulk: q(`INSERT INTO incident_bulk (incident_id, evidence) VALUES (@id, @bulk)
      ON CONFLICT (incident_id) DO UPDATE SET evidence = excluded.evidence`),
    openOfTarget: q(
      `SELECT id, key, confirmed_at FROM incidents WHERE state <> 'resolved' AND host = ? AND target_name = ?`,
    ),
    resolve: q(`UPDATE incidents SET state = 'resolved', resolved_at = @at, resolved_reason = @reason WHERE id = @id`),
    remediate: q(
      `UPDATE incidents SET state = 'remediated', remediated_at = coalesce(remediated_at, @at) WHERE id = @id`,
    ),
    insertAudit: q(`INSERT INTO audit (incident_id, at, action, mode, outcome, detail, data, actor)
      VALUES (@id, @at, @action, @mode, @outcome, @detail, @data, @actor)`),
    open: q(`SELECT ${SUMMARY_COLUMNS} FROM incidents WHERE state <> 'resolved' ORDER BY opened_at, id`),
    // This connection's row changes (SQLite counts every INSERT/UPDATE/DELETE it ran); data_version: other connections' commits.
    totalChanges: q(`SELECT total_changes()`).pluck(),
    dataVersion: q(`PRAGMA data_version`).pluck(),
    stale: q(
      `SELECT ${SUMMARY_COLUMNS} FROM incidents WHERE state = 'suspect' AND opened_at <= ? ORDER BY opened_at, id`,
    ),
    countOpen: q(`SELECT target_name AS target, signature_id AS signature, state, count(*) AS count
      FROM incidents WHERE state <> 'resolved' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
    countResolved: q(`SELECT count(*) AS n FROM incidents WHERE state = 'resolved'`),
    prune: q(`DELETE FROM incidents WHERE state = 'resolved' AND resolved_at < ?`),
  };
}
