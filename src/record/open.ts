/** Opening the store: every way it can fail becomes a StoreOpenError at start, never a crash later. */
import { mkdirSync, statSync, accessSync, statfsSync, existsSync, constants } from 'node:fs';
import { resolve, join, dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { StoreOpenError, type StoreOpenReason } from './errors.js';
import { LOCK_FILE, takeOwnership, type Ownership, type OwnerRecord } from './owner.js';
import { migrate, readSchemaVersion, SCHEMA_VERSION } from './schema.js';
import { SqliteIncidentStore } from './store.js';
import { createPrivateFile, makeStateDirPrivate, refusePseudoFileSystem } from './state-dir.js';
import type { IncidentStore, OpenStoreOptions } from './types.js';

export const STORE_FILE = 'forkwatch.db';
const DEFAULT_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** Opens (creating and migrating) the store in opts.stateDir. Throws StoreOpenError. */
export function openStore(opts: OpenStoreOptions): IncidentStore {
  const dir = resolve(opts.stateDir);
  const path = join(dir, STORE_FILE);
  ensureDirectory(dir, path);
  if (opts.owner) {
    for (const c of makeStateDirPrivate(dir, path))
      opts.logger?.warn(c, `${c.path} was readable by group or others: mode ${c.from} changed to ${c.to}`);
  }
  try {
    createPrivateFile(path);
  } catch (err) {
    throw classify(path, err, 'cannot create');
  }
  const ownership = opts.owner ? own(dir, path) : null;
  let db: Database;
  try {
    db = openDatabase(path, opts);
  } catch (err) {
    ownership?.release();
    throw err;
  }
  const log = opts.logger;
  try {
    const applied = prepareDatabase(db, path, opts);
    if (applied.length > 0) log?.info({ path, applied, schemaVersion: SCHEMA_VERSION }, 'incident store migrated');
    const now = opts.now ?? Date.now;
    const openedAt = now();
    probeWrite(db, path, openedAt, ownership ? { pid: process.pid, host: opts.host, since: openedAt } : null);
    return new SqliteIncidentStore(db, {
      path,
      host: opts.host,
      sinks: [...new Set(opts.sinks)],
      now,
      retentionMs: opts.retentionMs ?? DEFAULT_RETENTION_MS,
      logger: log,
      onClose: ownership?.release,
    });
  } catch (err) {
    db.close();
    ownership?.release();
    throw err instanceof StoreOpenError ? err : classify(path, err);
  }
}

function own(dir: string, path: string): Ownership {
  try {
    return takeOwnership(dir, path);
  } catch (err) {
    throw err instanceof StoreOpenError ? err : classify(path, err, `cannot lock ${join(dir, LOCK_FILE)}`);
  }
}

function ensureDirectory(dir: string, path: string): void {
  refusePseudoFileSystem(dir, path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw classify(path, explainMkdir(dir, err), `cannot create state directory ${dir}`);
  }
  if (!statSync(dir).isDirectory()) throw new StoreOpenError(path, 'not-a-directory', `${dir} is not a directory`);
  try {
    // WAL needs to create forkwatch.db-wal and -shm beside the file.
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw classify(path, err, `state directory ${dir} is not writable`);
  }
}

/** mkdir -p on a read-only or unwritable parent can report ENOENT; ask the nearest existing ancestor why. */
function explainMkdir(dir: string, err: unknown): unknown {
  if ((err as { code?: unknown }).code !== 'ENOENT') return err;
  let parent = dirname(dir);
  while (!existsSync(parent) && parent !== dirname(parent)) parent = dirname(parent);
  try {
    accessSync(parent, constants.W_OK | constants.X_OK);
  } catch (why) {
    return why;
  }
  return err;
}

function openDatabase(path: string, opts: OpenStoreOptions): Database {
  try {
    return new BetterSqlite3(path, { timeout: opts.busyTimeoutMs ?? 5000 });
  } catch (err) {
    throw classify(path, err);
  }
}

/** Pragmas, integrity, migrations. Returns the migrations applied. */
function prepareDatabase(db: Database, path: string, opts: OpenStoreOptions): number[] {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new StoreOpenError(path, 'io', `cannot switch to WAL journal mode (got ${String(mode)})`);
  db.pragma(`synchronous = ${opts.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  const check = db.pragma('quick_check(5)', { simple: false }) as { quick_check: string }[];
  const problems = check.map((r) => r.quick_check).filter((m) => m !== 'ok');
  if (problems.length > 0) throw new StoreOpenError(path, 'corrupt', `quick_check failed: ${problems.join('; ')}`);
  const version = readSchemaVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new StoreOpenError(
      path,
      'newer-schema',
      `schema version ${version} is newer than this forkwatch's ${SCHEMA_VERSION}: upgrade forkwatch or move the file away`,
    );
  }
  return migrate(db);
}

/** A real write at start, so a read-only file or a full disk shows now, not at the first incident; the owner signs in. */
function probeWrite(db: Database, path: string, now: number, owner: OwnerRecord | null): void {
  try {
    const put = db.prepare(`INSERT INTO store_meta (name, value) VALUES (?, ?)
                            ON CONFLICT (name) DO UPDATE SET value = excluded.value`);
    put.run('last_open_at', String(now));
    if (owner) put.run('owner', JSON.stringify(owner));
  } catch (err) {
    throw classify(path, err, 'cannot write');
  }
}

const SQLITE_REASONS: [RegExp, StoreOpenReason, string][] = [
  [
    /^SQLITE_NOTADB/,
    'not-a-database',
    'not an SQLite database (move it away or restore it; forkwatch will create a new one)',
  ],
  [
    /^SQLITE_CORRUPT/,
    'corrupt',
    'database file is corrupt (move it away or restore it; forkwatch will create a new one)',
  ],
  [/^SQLITE_FULL/, 'disk-full', 'disk full'],
  [/^SQLITE_READONLY/, 'read-only', 'file or directory is read-only'],
  [/^SQLITE_(BUSY|LOCKED)/, 'locked', 'locked by another process'],
  [/^SQLITE_CANTOPEN/, 'permission', 'cannot open the file (permissions, or the directory is not writable)'],
  [/^SQLITE_(IOERR|PERM|AUTH)/, 'io', 'I/O error'],
];

const ERRNO_REASONS: Record<string, [StoreOpenReason, string]> = {
  EROFS: ['read-only', 'read-only file system'],
  EACCES: ['permission', 'permission denied'],
  EPERM: ['permission', 'operation not permitted'],
  ENOTDIR: ['not-a-directory', 'a path component is not a directory'],
  EEXIST: ['not-a-directory', 'exists and is not a directory'],
  ENOSPC: ['disk-full', 'no space left on device'],
  EDQUOT: ['disk-full', 'disk quota exceeded'],
};

const LOW_SPACE_BYTES = 1024 * 1024;

function freeBytes(dir: string): number | null {
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return null;
  }
}

function classify(path: string, err: unknown, context?: string): StoreOpenError {
  const code = (err as { code?: unknown } | null)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  const prefix = context ? `${context}: ` : '';
  if (typeof code === 'string') {
    for (const [re, reason, words] of SQLITE_REASONS) {
      if (!re.test(code)) continue;
      // A full disk often surfaces as an I/O error (e.g. SQLITE_IOERR_SHMSIZE when the -shm file cannot grow).
      const free = reason === 'io' ? freeBytes(dirname(path)) : null;
      if (free !== null && free < LOW_SPACE_BYTES) {
        return new StoreOpenError(path, 'disk-full', `${prefix}disk full: ${free} bytes free (${code}: ${msg})`, err);
      }
      return new StoreOpenError(path, reason, `${prefix}${words} (${code}: ${msg})`, err);
    }
    const known = ERRNO_REASONS[code];
    if (known) return new StoreOpenError(path, known[0], `${prefix}${known[1]} (${msg})`, err);
  }
  return new StoreOpenError(path, 'io', `${prefix}${msg}`, err);
}
