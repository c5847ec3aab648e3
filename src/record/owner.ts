/**
 * One daemon per stateDir. Two daemons on one store would both open the
 * same incidents and both alert them. The owner holds <stateDir>/forkwatch.lock,
 * an empty SQLite file in EXCLUSIVE locking mode: an fcntl lock that the
 * kernel drops when the process dies, kill -9 included, so there is no stale
 * lock to clean up and nothing to guess from pids. Readers of the store
 * (forkwatch bundle, the API of the owner itself) do not need it.
 */
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { StoreOpenError } from './errors.js';
import { createPrivateFile } from './state-dir.js';

export const LOCK_FILE = 'forkwatch.lock';

/** Who holds the stateDir, as the owner records it in store_meta ('owner'). */
export interface OwnerRecord {
  pid: number;
  host: string;
  since: number;
}

export interface Ownership {
  release(): void;
}

/** Take the stateDir or throw StoreOpenError 'in-use' naming the holder; other SQLite/errno failures are rethrown as they are, for the caller to classify. */
export function takeOwnership(dir: string, storePath: string): Ownership {
  const path = join(dir, LOCK_FILE);
  let db: Database | null = null;
  try {
    createPrivateFile(path);
    db = new BetterSqlite3(path, { timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = OFF'); // nothing is ever stored here: no journal file beside it
    db.exec('BEGIN EXCLUSIVE; COMMIT'); // in EXCLUSIVE locking mode the lock outlives the transaction
  } catch (err) {
    db?.close();
    if (isBusy(err)) throw inUse(dir, storePath, err);
    throw err;
  }
  const held = db;
  return { release: () => held.close() };
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

function inUse(dir: string, storePath: string, cause: unknown): StoreOpenError {
  const owner = readOwner(storePath);
  const who = owner
    ? `pid ${owner.pid} on ${owner.host}, since ${new Date(owner.since).toISOString()}`
    : 'owner not recorded yet';
  return new StoreOpenError(
    storePath,
    'in-use',
    `state directory ${dir} is in use by another forkwatch (${who}): one daemon per stateDir; stop that one or give this one its own stateDir`,
    cause,
  );
}

/** The owner the store names, or null (no store yet, no record, unreadable). Never throws. */
export function readOwner(storePath: string): OwnerRecord | null {
  let db: Database | null = null;
  try {
    db = new BetterSqlite3(storePath, { readonly: true, fileMustExist: true, timeout: 1000 });
    const row = db.prepare(`SELECT value FROM store_meta WHERE name = 'owner'`).get() as { value: string } | undefined;
    return row ? parseOwner(row.value) : null;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

export function parseOwner(text: string): OwnerRecord | null {
  try {
    const v = JSON.parse(text) as Partial<OwnerRecord>;
    const ok = Number.isInteger(v.pid) && typeof v.host === 'string' && Number.isFinite(v.since);
    return ok ? { pid: v.pid!, host: v.host!, since: v.since! } : null;
  } catch {
    return null;
  }
}
