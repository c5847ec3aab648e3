/**
 * Schema migrations, versioned in code. PRAGMA user_version holds the number of
 * the last migration applied; each migration runs in its own transaction
 * together with the user_version bump, so a crash mid-migration leaves the
 * previous version intact. Append new migrations; never edit an applied one.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'incidents, audit, outbox',
    sql: `
      CREATE TABLE incidents (
        id               TEXT PRIMARY KEY,
        key              TEXT NOT NULL UNIQUE,
        host             TEXT NOT NULL,
        target_name      TEXT NOT NULL,
        target_pid       INTEGER NOT NULL,
        target_start_ms  INTEGER NOT NULL,
        target_user      TEXT,
        child_pid        INTEGER NOT NULL,
        child_start_ms   INTEGER NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('suspect','confirmed','remediated','resolved')),
        opened_at        INTEGER NOT NULL,
        confirmed_at     INTEGER,
        remediated_at    INTEGER,
        resolved_at      INTEGER,
        resolved_reason  TEXT,
        last_seen_at     INTEGER NOT NULL,
        overdue_since    INTEGER,
        signature_id     TEXT,
        signature_title  TEXT,
        signature_version TEXT,
        severity         TEXT,
        fingerprint      TEXT,
        jenkins_job      TEXT,
        forking_thread   TEXT,
        -- small evidence (kernel samples, ps facts, matches, capture meta): rewritten often
        evidence         TEXT NOT NULL DEFAULT '{}',
        -- bulky evidence (raw stack, parsed stack, thread dump): written rarely
        evidence_bulk    TEXT NOT NULL DEFAULT '{}'
      ) STRICT;
      CREATE INDEX incidents_by_opened ON incidents (opened_at, id);
      CREATE INDEX incidents_open ON incidents (target_name) WHERE state <> 'resolved';
      CREATE INDEX incidents_by_resolved ON incidents (resolved_at) WHERE state = 'resolved';

      CREATE TABLE audit (
        id          INTEGER PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        at          INTEGER NOT NULL,
        action      TEXT NOT NULL,
        mode        TEXT,
        outcome     TEXT NOT NULL,
        detail      TEXT NOT NULL,
        data        TEXT,
        actor       TEXT
      ) STRICT;
      CREATE INDEX audit_by_incident ON audit (incident_id, id);

      CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        incident_id     TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        transition      TEXT NOT NULL,
        sink            TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','dead')),
        last_error      TEXT,
        response        TEXT,
        sent_at         INTEGER,
        snapshot        TEXT NOT NULL,
        UNIQUE (incident_id, transition, sink)
      ) STRICT;
      CREATE INDEX outbox_due ON outbox (sink, next_attempt_at) WHERE state = 'pending';
      CREATE INDEX outbox_by_state ON outbox (state, id);

      CREATE TABLE store_meta (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'bulky evidence in its own table; last kernel sample; list indexes',
    // An UPDATE of last_seen_at rewrote (or at least re-read) a row carrying a
    // 256 KiB stack: measured 77 µs per open incident per tick. Bulky evidence
    // now lives beside the row, and last_kernel lets a tick skip unchanged samples.
    sql: `
      CREATE TABLE incident_bulk (
        incident_id TEXT PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
        evidence    TEXT NOT NULL
      ) STRICT;
      INSERT INTO incident_bulk (incident_id, evidence) SELECT id, evidence_bulk FROM incidents WHERE evidence_bulk <> '{}';
      ALTER TABLE incidents DROP COLUMN evidence_bulk;
      ALTER TABLE incidents ADD COLUMN last_kernel TEXT;
      CREATE INDEX incidents_by_state ON incidents (state, opened_at, id);
      CREATE INDEX incidents_by_target ON incidents (target_name, opened_at, id);
      CREATE INDEX incidents_by_signature ON incidents (signature_id, opened_at, id);
    `,
  },
  {
    version: 3,
    name: 'fingerprint version: stored fingerprints are version 1, new ones version 2',
    // Fingerprint version 2 (src/match/fingerprint.ts, docs/signatures.md) is
    // one per hang across eu-stack/gdb and debug symbols; version 1 hashed the
    // top 8 names as printed. Stored incidents keep their version-1
    // fingerprint (alerts and links already carry it; it is not recomputed),
    // marked as such; incidents confirmed from now on carry version 2.
    sql: `
      ALTER TABLE incidents ADD COLUMN fingerprint_version INTEGER;
      UPDATE incidents SET fingerprint_version = 1 WHERE fingerprint IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: 'outbox rows without an incident (the Slack digest), each unique by its key',
    // The digest (src/alert/digest.ts) goes through the outbox like every
    // other Slack message, so it is written once and delivered once; it is no
    // incident's message, so incident_id becomes nullable (SQLite: a rebuild).
    // Such a row's transition is its key ("digest:<fire time>"), unique per
    // sink; its snapshot is the rendered, redacted message. The digest's
    // cursor ("resolved since the last digest") is a store_meta row written
    // in the same transaction as the row.
    sql: `
      CREATE TABLE outbox_v4 (
        id              INTEGER PRIMARY KEY,
        incident_id     TEXT REFERENCES incidents (id) ON DELETE CASCADE,
        transition      TEXT NOT NULL,
        sink            TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','dead')),
        last_error      TEXT,
        response        TEXT,
        sent_at         INTEGER,
        snapshot        TEXT NOT NULL,
        UNIQUE (incident_id, transition, sink)
      ) STRICT;
      INSERT INTO outbox_v4 (id, incident_id, transition, sink, created_at, attempts, next_attempt_at, state, last_error, response, sent_at, snapshot)
        SELECT id, incident_id, transition, sink, created_at, attempts, next_attempt_at, state, last_error, response, sent_at, snapshot FROM outbox;
      DROP TABLE outbox;
      ALTER TABLE outbox_v4 RENAME TO outbox;
      CREATE INDEX outbox_due ON outbox (sink, next_attempt_at) WHERE state = 'pending';
      CREATE INDEX outbox_by_state ON outbox (state, id);
      CREATE UNIQUE INDEX outbox_messages ON outbox (transition, sink) WHERE incident_id IS NULL;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export function readSchemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies pending migrations; returns the versions applied. Caller checks for a newer schema first. */
export function migrate(db: Database): number[] {
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= readSchemaVersion(db)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
