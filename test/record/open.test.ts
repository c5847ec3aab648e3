import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { openStore, StoreOpenError, type StoreOpenReason } from '../../src/record/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/record/schema.js';
import { CONFIRM, keyOf, suspect, tempDir, HOST, SINKS } from './fixture.js';
import { REPO_ROOT } from '../helpers/native-build.js';
import { NOBODY_UID, NOGROUP_GID, readableRootFor } from '../helpers/unprivileged.js';

/**
 * Opens as an unprivileged user: root ignores directory permissions, so drop to nobody when root,
 * running the probe from a root nobody can read (a staged copy when the checkout sits in a 0700 home).
 */
function openAsUnprivileged(stateDir: string): {
  ok: boolean;
  name?: string;
  reason?: StoreOpenReason;
  path?: string;
  message?: string;
} {
  const asRoot = process.getuid?.() === 0;
  const root = asRoot
    ? readableRootFor(['package.json', 'tsconfig.json', 'node_modules', 'src', 'test/record/open-probe.ts'])
    : REPO_ROOT;
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test/record/open-probe.ts'), stateDir], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
    ...(asRoot ? { uid: NOBODY_UID, gid: NOGROUP_GID, env: { ...process.env, HOME: '/tmp' } } : {}),
  });
  assert.equal(r.status, 0, `probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function expectOpenError(stateDir: string, reason: StoreOpenReason, mention: RegExp): StoreOpenError {
  const err = (() => {
    try {
      openStore({ stateDir, host: HOST, sinks: SINKS }).close();
    } catch (e) {
      return e;
    }
    assert.fail('openStore succeeded');
  })();
  assert.ok(err instanceof StoreOpenError, String(err));
  assert.equal(err.reason, reason, err.message);
  assert.equal(err.path, join(stateDir, 'forkwatch.db'));
  assert.ok(err.message.includes(join(stateDir, 'forkwatch.db')), err.message);
  assert.match(err.message, mention);
  return err;
}

test('a read-only state directory is a clear error at open', (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  const ro = join(dir, 'ro');
  mkdirSync(ro, { mode: 0o555 });
  chmodSync(ro, 0o555);
  const r = openAsUnprivileged(ro);
  assert.equal(r.ok, false);
  assert.equal(r.name, 'StoreOpenError');
  assert.equal(r.reason, 'permission');
  assert.equal(r.path, join(ro, 'forkwatch.db'));
  assert.match(r.message!, /not writable: permission denied/);
});

test('an existing store in a directory that became read-only is a clear error at open', (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  const ro = join(dir, 'state');
  openStore({ stateDir: ro, host: HOST, sinks: SINKS }).close();
  chmodSync(ro, 0o555);
  const r = openAsUnprivileged(ro);
  assert.deepEqual([r.ok, r.reason], [false, 'permission']);
});

test('a state directory that cannot be created names the directory', (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o555);
  const r = openAsUnprivileged(join(dir, 'a', 'b'));
  assert.deepEqual([r.ok, r.reason], [false, 'permission']);
  assert.match(r.message!, /cannot create state directory .*\/a\/b/);
});

test('garbage bytes in forkwatch.db: clear error naming the path, and the file is left untouched', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'forkwatch.db');
  const garbage = randomBytes(8192);
  writeFileSync(file, garbage);
  expectOpenError(dir, 'not-a-database', /not an SQLite database/);
  assert.deepEqual(readFileSync(file), garbage);
});

test('a store corrupted inside (damaged pages) fails quick_check at open', (t) => {
  const dir = tempDir(t);
  const store = openStore({ stateDir: dir, host: HOST, sinks: SINKS });
  for (let i = 0; i < 40; i++) {
    store.observeSuspects(1000 + i, [suspect(1000 + i)]);
    store.confirm(keyOf(suspect(1000 + i)), { ...CONFIRM, evidence: { stackRaw: `#0 fork ${'x'.repeat(3000)}` } });
  }
  store.close(); // checkpoints the WAL into the main file
  const file = join(dir, 'forkwatch.db');
  const size = statSync(file).size;
  assert.ok(size > 16 * 4096, `store is ${size} bytes`);
  const fd = openSync(file, 'r+');
  for (const page of [3, 5, 8, 13]) writeSync(fd, randomBytes(4096), 0, 4096, page * 4096 - 4096 + 100);
  closeSync(fd);
  expectOpenError(dir, 'corrupt', /corrupt|quick_check/);
});

test('a state path that is a file is a clear error', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'file'), 'x');
  expectOpenError(join(dir, 'file'), 'not-a-directory', /not a directory/);
});

test('a store written by a newer forkwatch (higher schema version) is refused', (t) => {
  const dir = tempDir(t);
  openStore({ stateDir: dir, host: HOST, sinks: SINKS }).close();
  const db = new Database(join(dir, 'forkwatch.db'));
  db.pragma('user_version = 99');
  db.close();
  expectOpenError(dir, 'newer-schema', /schema version 99 is newer/);
});

test('a full disk is a clear error at open (writes to the file fail with ENOSPC: /dev/full)', (t) => {
  const dir = tempDir(t);
  symlinkSync('/dev/full', join(dir, 'forkwatch.db'));
  expectOpenError(dir, 'disk-full', /disk full/);
});

test('open sets WAL, the chosen synchronous level, foreign keys and the schema version; reopening is idempotent', (t) => {
  const dir = tempDir(t);
  for (const synchronous of ['NORMAL', 'FULL'] as const) {
    const store = openStore({ stateDir: dir, host: HOST, sinks: SINKS, synchronous });
    store.close();
    store.close();
  }
  const db = new Database(join(dir, 'forkwatch.db'));
  t.after(() => db.close());
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
});

test('migrations: a version 1 store with incidents is upgraded in place, evidence kept', (t) => {
  const dir = tempDir(t);
  const db = new Database(join(dir, 'forkwatch.db'));
  db.exec(MIGRATIONS[0]!.sql);
  db.pragma('user_version = 1');
  db.prepare(
    `INSERT INTO incidents (id, key, host, target_name, target_pid, target_start_ms, child_pid, child_start_ms, state,
      opened_at, last_seen_at, evidence, evidence_bulk)
    VALUES ('00000000000000aa', 'h/1@2/3@4', 'h', 'jenkins', 1, 2, 3, 4, 'suspect', 10, 10, '{"extra":{"a":1}}', '{"stackRaw":"#0 fork"}')`,
  ).run();
  db.close();
  const store = openStore({ stateDir: dir, host: 'h', sinks: SINKS });
  t.after(() => store.close());
  const inc = store.get('00000000000000aa')!;
  assert.deepEqual([inc.key, inc.evidence.stackRaw, inc.evidence.extra], ['h/1@2/3@4', '#0 fork', { a: 1 }]);
  assert.equal(
    store.observeSuspects(20, [
      { targetName: 'jenkins', targetPid: 1, targetStartMs: 2, targetUser: null, childPid: 3, childStartMs: 4 },
    ]).seen,
    1,
  );
});

test('a store locked by another process beyond busy_timeout is a clear error at open', (t) => {
  const dir = tempDir(t);
  openStore({ stateDir: dir, host: HOST, sinks: SINKS }).close();
  const holder = new Database(join(dir, 'forkwatch.db'));
  holder.exec('BEGIN EXCLUSIVE');
  t.after(() => {
    holder.exec('ROLLBACK');
    holder.close();
  });
  const started = Date.now();
  const err = (() => {
    try {
      openStore({ stateDir: dir, host: HOST, sinks: SINKS, busyTimeoutMs: 200 }).close();
    } catch (e) {
      return e;
    }
    assert.fail('openStore succeeded');
  })();
  assert.ok(err instanceof StoreOpenError);
  assert.equal(err.reason, 'locked', err.message);
  assert.ok(Date.now() - started >= 150, 'waited for busy_timeout');
});
