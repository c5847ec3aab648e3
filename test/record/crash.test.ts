import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/record/index.js';
import { tempDir } from './fixture.js';

const WRITER = new URL('./crash-writer.ts', import.meta.url).pathname;
const ROUNDS = 10;

interface Reports {
  lines: string[];
}

/** Starts the writer, SIGKILLs it at a random moment (sometimes during open), returns what it reported. */
async function runAndKill(dir: string, t0: number, round: number): Promise<Reports> {
  const proc = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(t0)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const killAfter = (ms: number) => setTimeout(() => proc.kill('SIGKILL'), ms);
  if (round % 2 === 1) {
    // Anywhere from interpreter start-up through open/migrate/quick_check into the loop.
    killAfter(100 + Math.random() * 1500);
  } else {
    const ready = await new Promise<boolean>((resolve) => {
      const poll = setInterval(() => {
        if (out.includes('ready\n') || proc.exitCode !== null) {
          clearInterval(poll);
          resolve(out.includes('ready\n'));
        }
      }, 5);
    });
    assert.ok(ready, `writer did not start: ${err}`);
    killAfter(Math.random() * 400);
  }
  const { signal } = await exited;
  assert.equal(signal, 'SIGKILL', `writer died on its own: ${err}`);
  return { lines: out.split('\n').filter((l) => l && l !== 'ready') };
}

function checkInvariants(dir: string, committed: Map<string, Set<string>>, openedCount: Map<string, number>): void {
  const raw = new Database(join(dir, 'forkwatch.db'));
  try {
    assert.deepEqual(raw.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    assert.deepEqual(raw.pragma('foreign_key_check'), []);
    const dup = raw.prepare('SELECT count(*) - count(DISTINCT key) AS d FROM incidents').get() as { d: number };
    assert.equal(dup.d, 0);
    const rows = raw.prepare('SELECT * FROM incidents').all() as Record<string, unknown>[];
    const outbox = new Set(
      (
        raw.prepare('SELECT incident_id, transition, sink FROM outbox').all() as {
          incident_id: string;
          transition: string;
          sink: string;
        }[]
      ).map((o) => `${o.incident_id}/${o.transition}/${o.sink}`),
    );
    const byKey = new Map(rows.map((r) => [r.key as string, r]));
    for (const r of rows) {
      assert.equal(r.state === 'resolved', r.resolved_at !== null, `state/resolved_at ${String(r.key)}`);
      if (r.state !== 'suspect')
        assert.ok(r.state === 'resolved' || r.confirmed_at !== null, `${String(r.key)} ${String(r.state)}`);
      const need: string[] = [];
      if (r.confirmed_at !== null) need.push('opened');
      if (r.remediated_at !== null) need.push('remediated');
      if (r.confirmed_at !== null && r.state === 'resolved') need.push('resolved');
      for (const tr of need)
        for (const sink of ['slack', 'alertmanager'])
          assert.ok(outbox.has(`${String(r.id)}/${tr}/${sink}`), `${String(r.key)} lacks ${tr}/${sink}`);
    }
    // Nothing reported as committed is lost.
    for (const key of committed.get('O') ?? []) assert.ok(byKey.has(key), `lost opened ${key}`);
    for (const key of committed.get('C') ?? []) assert.ok(byKey.get(key)?.confirmed_at != null, `lost confirm ${key}`);
    for (const key of committed.get('M') ?? [])
      assert.ok(byKey.get(key)?.remediated_at != null, `lost remediation ${key}`);
    for (const key of committed.get('R') ?? [])
      assert.equal(byKey.get(key)?.state, 'resolved', `lost resolution ${key}`);
    const sent = new Set(
      (raw.prepare(`SELECT id FROM outbox WHERE state = 'sent'`).all() as { id: number }[]).map((o) => String(o.id)),
    );
    for (const id of committed.get('S') ?? []) assert.ok(sent.has(id), `lost sent mark ${id}`);
    // Across restarts each child was opened once.
    for (const [key, n] of openedCount) assert.equal(n, 1, `incident opened ${n} times: ${key}`);
  } finally {
    raw.close();
  }
  openStore({ stateDir: dir, host: 'crash-host', sinks: ['slack', 'alertmanager'] }).close();
}

test(
  'kill -9 at random moments: reopen finds nothing lost, nothing duplicated, every confirmation has its outbox rows',
  { timeout: 180_000 },
  async (t) => {
    const dir = tempDir(t);
    const t0 = Date.now();
    const committed = new Map<string, Set<string>>();
    const openedCount = new Map<string, number>();
    let totalLines = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const { lines } = await runAndKill(dir, t0, round);
      totalLines += lines.length;
      for (const line of lines) {
        const [kind, what] = line.split(' ') as [string, string];
        if (!committed.has(kind)) committed.set(kind, new Set());
        committed.get(kind)!.add(what);
        if (kind === 'O') openedCount.set(what, (openedCount.get(what) ?? 0) + 1);
      }
      checkInvariants(dir, committed, openedCount);
    }
    // The test must have exercised something: incidents opened, confirmed, resolved, notifications sent.
    for (const kind of ['O', 'C', 'R', 'S'])
      assert.ok((committed.get(kind)?.size ?? 0) > 0, `no ${kind} reported in ${totalLines} lines`);
    t.diagnostic(`reports: ${[...committed].map(([k, v]) => `${k}=${v.size}`).join(' ')}`);
  },
);
