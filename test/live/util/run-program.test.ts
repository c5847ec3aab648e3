/** runProgram's process-group mode: a wrapper script's own children die with it at the timeout or the abort (gcore is a script around gdb). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runProgram } from '../../../src/util/run-program.js';

/** sh starts a grandchild (sleep), prints its pid and waits: the shape of gcore → gdb. */
const SCRIPT = ['-c', 'sleep 30 & echo $!; wait'];

/** Running (a zombie is dead: re-parented to an init that may not reap it, it still answers kill(pid, 0)). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[XZ]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
  return !alive(pid);
}

test('processGroup: the timeout kills the whole group, grandchild included', async () => {
  const r = await runProgram('sh', SCRIPT, { timeoutMs: 300, maxOutputBytes: 1024, processGroup: true });
  assert.equal(r.timedOut, true);
  assert.equal(r.failed, true);
  const grandchild = Number(r.stdout.trim());
  assert.ok(grandchild > 1, `grandchild pid from ${JSON.stringify(r.stdout)}`);
  assert.equal(await gone(grandchild), true, 'the sleep died with its shell');
});

test('signal: an abort kills the group at once and says aborted', async () => {
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(), 200);
  const r = await runProgram('sh', SCRIPT, {
    timeoutMs: 20_000,
    maxOutputBytes: 1024,
    processGroup: true,
    signal: ac.signal,
  });
  assert.equal(r.aborted, true);
  assert.equal(r.timedOut, false);
  assert.equal(r.failed, true);
  assert.ok(Date.now() - started < 5000);
  assert.equal(await gone(Number(r.stdout.trim())), true);
});

test('without those options nothing changes: exit 0, no aborted field', async () => {
  const r = await runProgram('sh', ['-c', 'echo hi'], { timeoutMs: 5000, maxOutputBytes: 1024 });
  assert.equal(r.failed, false);
  assert.equal(r.stdout, 'hi\n');
  assert.equal('aborted' in r, false);
  const a = await runProgram('sh', ['-c', 'echo hi'], {
    timeoutMs: 5000,
    maxOutputBytes: 1024,
    signal: new AbortController().signal,
  });
  assert.equal(a.aborted, false);
  assert.equal(a.failed, false);
});
