/**
 * runTracerOnTarget with the real runProgram: a tracer may leave a child
 * behind that holds its stdout (gdb forks one that SIGSTOPs itself to probe
 * ptrace features; killed at that instant, the child stays stopped and
 * orphaned). The run must still end at the timeout, the child with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { runTracerOnTarget } from '../../../src/capture/capture-stack.js';

const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

test(
  'a tracer whose stopped child holds its stdout is killed with its whole group at the timeout: the run ends',
  { timeout: 20_000 },
  async (t) => {
    const target = spawn('sleep', ['60'], { stdio: 'ignore' });
    t.after(() => target.kill('SIGKILL'));
    const started = Date.now();
    const tracer = 'sleep 60 & echo $!; kill -STOP $!; exec sleep 60';
    const r = await runTracerOnTarget(target.pid!, '/bin/sh', ['-c', tracer], {
      procRoot: '/proc',
      timeoutMs: 300,
      maxOutputBytes: 1024,
      linux: true,
      settleMs: 10,
    });
    assert.ok(Date.now() - started < 10_000, `ended after ${Date.now() - started} ms`);
    assert.equal(r.run?.timedOut, true);
    const child = Number(r.run!.stdout.trim());
    assert.ok(child > 0, `the stopped child's pid: ${JSON.stringify(r.run!.stdout)}`);
    for (let i = 0; i < 40 && alive(child); i++) await new Promise((res) => setTimeout(res, 50));
    assert.equal(alive(child), false, 'the stopped child was killed with the group');
  },
);
