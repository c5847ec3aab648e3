/**
 * Migration 3: stored incidents keep their version-1 fingerprint (marked
 * fingerprint_version = 1, not recomputed, not replaced by a later confirm);
 * incidents confirmed afterwards carry the current version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/record/index.js';
import { MIGRATIONS } from '../../src/record/schema.js';
import { FINGERPRINT_VERSION } from '../../src/match/fingerprint-version.js';
import { tempDir, SINKS } from './fixture.js';

const obs = (childPid: number) => ({
  targetName: 'jenkins',
  targetPid: 1,
  targetStartMs: 2,
  targetUser: null,
  childPid,
  childStartMs: 4,
});
const confirm = (fingerprint: string | null) => ({
  signatureId: 'glibc-atfork-child-lock',
  signatureTitle: 't',
  signatureVersion: '2.0.0',
  severity: 'critical' as const,
  fingerprint,
});

test('migration 3: a version-2 store upgraded: old fingerprints kept as version 1, new incidents get version 2', (t) => {
  const dir = tempDir(t);
  const db = new Database(join(dir, 'forkwatch.db'));
  for (const m of MIGRATIONS.filter((x) => x.version <= 2)) db.exec(m.sql);
  db.pragma('user_version = 2');
  const insert =
    db.prepare(`INSERT INTO incidents (id, key, host, target_name, target_pid, target_start_ms, child_pid, child_start_ms, state,
      opened_at, confirmed_at, last_seen_at, signature_id, fingerprint, evidence)
    VALUES (?, ?, 'h', 'jenkins', 1, 2, ?, 4, 'confirmed', 10, 10, 10, 'glibc-atfork-child-lock', ?, '{}')`);
  insert.run('00000000000000aa', 'h/1@2/3@4', 3, '9aeda1da00000000');
  insert.run('00000000000000bb', 'h/1@2/5@4', 5, null);
  db.close();

  const store = openStore({ stateDir: dir, host: 'h', sinks: SINKS });
  t.after(() => store.close());
  const row = (id: string) => {
    const d = new Database(join(dir, 'forkwatch.db'), { readonly: true });
    try {
      return d.prepare('SELECT fingerprint, fingerprint_version AS v FROM incidents WHERE id = ?').get(id) as {
        fingerprint: string | null;
        v: number | null;
      };
    } finally {
      d.close();
    }
  };
  assert.deepEqual(
    row('00000000000000aa'),
    { fingerprint: '9aeda1da00000000', v: 1 },
    'stored fingerprint kept, marked version 1',
  );
  assert.deepEqual(row('00000000000000bb'), { fingerprint: null, v: null });

  store.confirm('00000000000000aa', confirm('2bcd866700000000'));
  assert.deepEqual(
    row('00000000000000aa'),
    { fingerprint: '9aeda1da00000000', v: 1 },
    'a later confirm does not replace a stored version-1 fingerprint',
  );
  assert.equal(store.get('00000000000000aa')!.fingerprint, '9aeda1da00000000');

  store.confirm('00000000000000bb', confirm('d76f06419b65dc85'));
  assert.deepEqual(row('00000000000000bb'), { fingerprint: 'd76f06419b65dc85', v: FINGERPRINT_VERSION });

  store.observeSuspects(20, [obs(7)]);
  const fresh = store.list({}).items.find((i) => i.childPid === 7)!;
  store.confirm(fresh.id, confirm('d76f06419b65dc85'));
  assert.deepEqual(row(fresh.id), { fingerprint: 'd76f06419b65dc85', v: 2 });
});
