/**
 * The reader's one outcome model against the real /proc: a vanished pid is
 * gone, a root-only file read as nobody is denied, a FIFO or a directory is an
 * error (and never blocks), a large file is cut at the cap, and every outcome
 * is counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { procReadCounts, ProcReader, type ReadOutcome } from '../../src/proc/read.js';
import { REPO_ROOT } from '../helpers/native-build.js';

function delta(before: Readonly<Record<ReadOutcome, number>>): Record<ReadOutcome, number> {
  const now = procReadCounts();
  return {
    ok: now.ok - before.ok,
    gone: now.gone - before.gone,
    denied: now.denied - before.denied,
    error: now.error - before.error,
  };
}

test("ok: this process's stat, counted; the same buffer serves the next read", () => {
  const r = new ProcReader();
  const before = procReadCounts();
  const stat = r.readText(`/proc/${process.pid}/stat`);
  assert.equal(typeof stat, 'string');
  assert.match(stat as string, new RegExp(`^${process.pid} \\(`));
  const status = r.readText(`/proc/${process.pid}/status`);
  assert.match(status as string, /^Name:/);
  assert.deepEqual(delta(before), { ok: 2, gone: 0, denied: 0, error: 0 });
});

test('gone: a pid that exited and was reaped', async () => {
  const child = spawn('/bin/true');
  const pid = child.pid!;
  await new Promise((r) => child.once('exit', r));
  const before = procReadCounts();
  assert.deepEqual(new ProcReader().readText(`/proc/${pid}/stat`), { failed: 'gone', code: 'ENOENT' });
  assert.deepEqual(delta(before), { ok: 0, gone: 1, denied: 0, error: 0 });
});

test('denied: /proc/1/environ (root-only, mode 0400) read as nobody via setpriv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-proc-read-'));
  try {
    // The reader as plain JS (it imports node:fs only), where nobody can read it: the checkout may sit in a 0700 directory.
    const source = readFileSync(join(REPO_ROOT, 'src/proc/read.ts'), 'utf8');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(dir, 'read.mjs'), js);
    writeFileSync(
      join(dir, 'main.mjs'),
      "import { ProcReader, procReadCounts } from './read.mjs';\n" +
        "const r = new ProcReader().readText('/proc/1/environ');\n" +
        'console.log(JSON.stringify({ r, counts: procReadCounts() }));\n',
    );
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'read.mjs'), 0o644);
    chmodSync(join(dir, 'main.mjs'), 0o644);
    const out = execFileSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, join(dir, 'main.mjs')],
      {
        encoding: 'utf8',
        timeout: 20_000,
        cwd: dir,
      },
    );
    const got = JSON.parse(out) as { r: unknown; counts: Record<ReadOutcome, number> };
    assert.deepEqual(got.r, { failed: 'denied', code: 'EACCES' });
    assert.deepEqual(got.counts, { ok: 0, gone: 0, denied: 1, error: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('error: a FIFO nobody writes does not block and is not a /proc file; a directory is an error too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-proc-fifo-'));
  try {
    execFileSync('mkfifo', [join(dir, 'stat')]);
    const before = procReadCounts();
    const t0 = performance.now();
    assert.deepEqual(new ProcReader().readText(join(dir, 'stat')), { failed: 'error', code: 'ENOTREG' });
    assert.ok(performance.now() - t0 < 1000, 'did not wait for a writer');
    assert.equal((new ProcReader().readText(`/proc/${process.pid}`) as { failed: string }).failed, 'error');
    assert.deepEqual(delta(before), { ok: 0, gone: 0, denied: 0, error: 2 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bounded: a large /proc file is cut at the cap; the buffer grows only to what is read', () => {
  const r = new ProcReader();
  const maps = r.readBytes(`/proc/${process.pid}/maps`, 1 << 20);
  assert.ok(!('failed' in maps));
  assert.ok(maps.bytes.length > 4096, `node maps many objects (${maps.bytes.length} bytes)`);
  const cut = r.readBytes(`/proc/${process.pid}/maps`, 1000);
  assert.ok(!('failed' in cut));
  assert.equal(cut.bytes.length, 1000);
  assert.equal(cut.truncated, true);
  assert.ok(cut.bytes.equals(maps.bytes.subarray(0, 1000)), 'the same prefix');
  assert.equal(maps.truncated, false);
  const text = r.readText(`/proc/${process.pid}/smaps`, 8 << 20);
  assert.equal(typeof text, 'string');
  assert.match(text as string, /^Rss:/m);
});
