/**
 * One daemon per stateDir: the owner holds forkwatch.lock; a second owner,
 * in another process, is refused by name; readers are not; the lock goes with
 * close() and with kill -9.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, StoreOpenError } from '../../src/record/index.js';
import { LOCK_FILE, parseOwner, readOwner } from '../../src/record/owner.js';
import { CONFIRM, keyOf, suspect, tempDir, HOST, SINKS } from './fixture.js';

const PROBE = new URL('./open-probe.ts', import.meta.url).pathname;

type ProbeResult = { ok: boolean; pid?: number; reason?: string; path?: string; message?: string };

/** A second process that owns stateDir until killed; resolves once it has said it holds it. */
async function holder(stateDir: string): Promise<{ child: ChildProcess; first: ProbeResult; gone: Promise<unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', PROBE, stateDir, 'hold'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const gone = new Promise((r) => child.once('exit', r));
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<ProbeResult>((resolve, reject) => {
    lines.once('line', (l) => resolve(JSON.parse(l) as ProbeResult));
    child.once('exit', (code) => reject(new Error(`holder exited ${code} before answering`)));
  });
  return { child, first, gone };
}

function probe(stateDir: string, mode: 'open' | 'own'): ProbeResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', PROBE, stateDir, mode], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, `probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ProbeResult;
}

function ownErr(stateDir: string): StoreOpenError {
  try {
    openStore({ stateDir, host: HOST, sinks: SINKS, owner: true }).close();
  } catch (e) {
    assert.ok(e instanceof StoreOpenError, String(e));
    return e;
  }
  assert.fail('a second owner was let in');
}

test('a second owner in another process is refused, naming the holder; a reader is let in; kill -9 frees the stateDir', async (t) => {
  const dir = tempDir(t);
  const h = await holder(dir);
  t.after(() => h.child.kill('SIGKILL'));
  assert.equal(h.first.ok, true, h.first.message);

  const err = ownErr(dir);
  assert.equal(err.reason, 'in-use');
  assert.equal(err.exitCode, 73);
  assert.equal(err.path, join(dir, 'forkwatch.db'));
  assert.match(
    err.message,
    new RegExp(`state directory ${dir} is in use by another forkwatch \\(pid ${h.first.pid} on probe, since \\d{4}-`),
  );
  assert.match(err.message, /one daemon per stateDir/);

  // Readers (forkwatch bundle, a test) share the store with its owner.
  const reader = openStore({ stateDir: dir, host: HOST, sinks: SINKS });
  reader.observeSuspects(1000, [suspect(1)]);
  assert.equal(reader.get(keyOf(suspect(1)))?.state, 'suspect');
  reader.close();

  h.child.kill('SIGKILL');
  await h.gone;
  const owner = openStore({ stateDir: dir, host: HOST, sinks: SINKS, owner: true });
  assert.deepEqual(readOwner(owner.path), { pid: process.pid, host: HOST, since: readOwner(owner.path)!.since });
  // Now this process owns it: another process is refused, naming this one.
  const second = probe(dir, 'own');
  assert.equal(second.ok, false);
  assert.equal(second.reason, 'in-use');
  assert.match(second.message!, new RegExp(`\\(pid ${process.pid} on ${HOST},`));
  assert.equal(probe(dir, 'open').ok, true, 'a reader in another process');
  owner.confirm(keyOf(suspect(1)), CONFIRM);
  owner.close();
  assert.equal(probe(dir, 'own').ok, true, 'close() released the lock');
});

test('in one process too: open, close, open again; a failed open releases what it took', (t) => {
  const dir = tempDir(t);
  const a = openStore({ stateDir: dir, host: HOST, sinks: SINKS, owner: true });
  assert.equal(ownErr(dir).reason, 'in-use');
  a.close();
  a.close(); // twice is harmless
  const b = openStore({ stateDir: dir, host: HOST, sinks: SINKS, owner: true });
  b.close();
  assert.ok(existsSync(join(dir, LOCK_FILE)));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith(LOCK_FILE)),
    [LOCK_FILE],
    'no journal beside the lock',
  );

  // A store that fails after the lock was taken (a newer schema) leaves the stateDir free.
  const newer = tempDir(t);
  openStore({ stateDir: newer, host: HOST, sinks: SINKS }).close();
  const db = new Database(join(newer, 'forkwatch.db'));
  db.pragma('user_version = 99');
  db.close();
  for (let i = 0; i < 2; i++) assert.equal(ownErr(newer).reason, 'newer-schema');
});

test('in-use without an owner record (a holder that has not signed in yet) still says what is wrong', (t) => {
  const dir = tempDir(t);
  const held = openStore({ stateDir: dir, host: HOST, sinks: SINKS, owner: true });
  t.after(() => held.close());
  const raw = new Database(held.path);
  raw.prepare(`DELETE FROM store_meta WHERE name = 'owner'`).run();
  raw.close();
  assert.match(ownErr(dir).message, /in use by another forkwatch \(owner not recorded yet\)/);
});

test('parseOwner: only a whole record', () => {
  assert.deepEqual(parseOwner('{"pid":7,"host":"h","since":5}'), { pid: 7, host: 'h', since: 5 });
  for (const bad of [
    '',
    'null',
    '[]',
    '{"pid":"7","host":"h","since":5}',
    '{"pid":7,"since":5}',
    '{"pid":7,"host":"h","since":"x"}',
    '{"pid":1.5,"host":"h","since":5}',
  ]) {
    assert.equal(parseOwner(bad), null, bad);
  }
  assert.equal(readOwner('/nonexistent/forkwatch.db'), null);
});
