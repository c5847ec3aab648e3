/**
 * The notification outbox. Rows are inserted by the store inside the same
 * transaction as the incident change that causes them; UNIQUE(incident_id,
 * transition, sink) makes a replayed transition a no-op. The alert sender
 * drains it with listDue / mark*.
 */
import type { Database, Statement } from 'better-sqlite3';
import { checkLimit, decodeCursor, encodeCursor } from './cursor.js';
import { prepareCached } from './list.js';
import { toOutboxItem, type OutboxRow } from './rows.js';
import type { NotificationQuery, OutboxItem, OutboxStats, OutboxTransition, Page } from './types.js';

export class OutboxOps {
  private readonly st: Record<string, Statement>;

  constructor(
    private readonly db: Database,
    private readonly sinks: readonly string[],
  ) {
    const q = (sql: string): Statement => db.prepare(sql);
    this.st = {
      insert: q(`INSERT INTO outbox (incident_id, transition, sink, created_at, next_attempt_at, snapshot)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id, transition, sink) DO NOTHING`),
      // Per incident and sink, rows go out in the order they were enqueued: a
      // 'resolved' never overtakes an 'opened' that is still being retried.
      // Incident rows only; rows without one (the digest) are listed by messages.ts.
      due: q(`SELECT * FROM outbox o WHERE o.state = 'pending' AND o.sink = ? AND o.next_attempt_at <= ? AND o.incident_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.incident_id = o.incident_id AND e.sink = o.sink
            AND e.state = 'pending' AND e.id < o.id)
        ORDER BY o.id LIMIT ?`),
      sent: q(`UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, response = ?
        WHERE id = ? AND state = 'pending'`),
      retry: q(`UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1, last_error = ?
        WHERE id = ? AND state = 'pending'`),
      dead: q(`UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?, response = ?
        WHERE id = ? AND state = 'pending'`),
      stats:
        q(`SELECT sink, sum(state = 'pending') AS pending, min(CASE WHEN state = 'pending' THEN created_at END) AS oldest,
          sum(state = 'dead') AS dead
        FROM outbox WHERE state <> 'sent' GROUP BY sink`),
    };
  }

  /** Called inside the store's transaction. Returns rows inserted (0 when all existed). */
  enqueue(incidentId: string, transition: OutboxTransition, now: number, snapshot: string): number {
    let n = 0;
    for (const sink of this.sinks) n += this.st.insert!.run(incidentId, transition, sink, now, now, snapshot).changes;
    return n;
  }

  listDue(sink: string, now: number, limit: number): OutboxItem[] {
    return (this.st.due!.all(sink, now, checkLimit(limit)) as OutboxRow[]).map(toOutboxItem);
  }

  // Marks on a row that is no longer pending (already sent, dead, or pruned) are no-ops:
  // a sender that raced with itself must not resurrect or double-count a row.
  markSent(id: number, now: number, response: string | null): void {
    this.st.sent!.run(now, response, id);
  }
  markRetry(id: number, nextAttemptAt: number, error: string): void {
    this.st.retry!.run(nextAttemptAt, error, id);
  }
  markDead(id: number, error: string, response: string | null): void {
    this.st.dead!.run(error, response, id);
  }

  /** One entry per configured sink (zeros included) plus any other sink with pending or dead rows. */
  stats(now: number): OutboxStats[] {
    const rows = this.st.stats!.all() as { sink: string; pending: number; oldest: number | null; dead: number }[];
    const bySink = new Map<string, OutboxStats>(
      this.sinks.map((s) => [s, { sink: s, pending: 0, oldestPendingAgeMs: 0, dead: 0 }]),
    );
    for (const r of rows) {
      bySink.set(r.sink, {
        sink: r.sink,
        pending: r.pending,
        oldestPendingAgeMs: r.oldest === null ? 0 : Math.max(0, now - r.oldest),
        dead: r.dead,
      });
    }
    return [...bySink.values()];
  }

  /** Newest first, keyset-paginated by id. */
  list(q: NotificationQuery): Page<OutboxItem> {
    const limit = checkLimit(q.limit);
    const where: string[] = ['incident_id IS NOT NULL'];
    const params: (string | number)[] = [];
    if (q.state !== undefined) {
      where.push('state = ?');
      params.push(q.state);
    }
    if (q.sink !== undefined) {
      where.push('sink = ?');
      params.push(q.sink);
    }
    if (q.cursor) {
      where.push('id < ?');
      params.push(decodeCursor(q.cursor, ['number'])[0] as number);
    }
    const sql = `SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = prepareCached(this.db, sql).all(...params, limit + 1) as OutboxRow[];
    const items = rows.slice(0, limit).map(toOutboxItem);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }
}
