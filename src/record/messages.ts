/**
 * Outbox rows that belong to no incident (the Slack digest): same table, same
 * sender, same sent/retry/dead marks as incident rows (outbox.ts), keyed by
 * their transition text, unique per sink (migration 4), so enqueueing the
 * same key twice, e.g. after a restart, is a no-op. The body is the message
 * as it will be posted, rendered and redacted by the caller.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { OutboxMessage } from './types.js';

interface MessageRow {
  id: number;
  transition: string;
  sink: string;
  created_at: number;
  attempts: number;
  snapshot: string;
}

export class MessageOps {
  private readonly st: Record<string, Statement>;

  constructor(private readonly db: Database) {
    const q = (sql: string): Statement => db.prepare(sql);
    this.st = {
      insert: q(`INSERT INTO outbox (incident_id, transition, sink, created_at, next_attempt_at, snapshot)
        VALUES (NULL, ?, ?, ?, ?, ?) ON CONFLICT (transition, sink) WHERE incident_id IS NULL DO NOTHING`),
      due: q(`SELECT id, transition, sink, created_at, attempts, snapshot FROM outbox
        WHERE incident_id IS NULL AND state = 'pending' AND sink = ? AND next_attempt_at <= ? ORDER BY id LIMIT ?`),
      // Delivered or given-up rows only: a pending one (Slack down for a month) is still owed.
      prune: q(`DELETE FROM outbox WHERE incident_id IS NULL AND state <> 'pending' AND created_at < ?`),
      getMeta: q(`SELECT value FROM store_meta WHERE name = ?`),
      putMeta: q(
        `INSERT INTO store_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      ),
    };
  }

  /** One transaction: a row per sink (unless the key exists) and the meta row. Returns rows inserted. */
  enqueue(
    key: string,
    sinks: readonly string[],
    now: number,
    body: string,
    meta?: { name: string; value: string },
  ): number {
    return this.db
      .transaction(() => {
        let n = 0;
        for (const sink of sinks) n += this.st.insert!.run(key, sink, now, now, body).changes;
        if (meta) this.st.putMeta!.run(meta.name, meta.value);
        return n;
      })
      .immediate();
  }

  listDue(sink: string, now: number, limit: number): OutboxMessage[] {
    return (this.st.due!.all(sink, now, limit) as MessageRow[]).map((r) => ({
      id: r.id,
      key: r.transition,
      sink: r.sink,
      createdAt: r.created_at,
      attempts: r.attempts,
      body: r.snapshot,
    }));
  }

  /** Delete the sent and dead rows created before `before`; returns how many. Call inside the caller's transaction. */
  prune(before: number): number {
    return this.st.prune!.run(before).changes;
  }

  meta(name: string): string | null {
    return (this.st.getMeta!.get(name) as { value: string } | undefined)?.value ?? null;
  }
}
