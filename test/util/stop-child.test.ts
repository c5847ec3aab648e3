/**
 * Stopping a child process of forkwatch's own (src/util/stop-child.ts): SIGKILL
 * by default; SIGTERM first with a grace period (a JVM given SIGTERM exits and
 * removes its attach socket), then SIGKILL for a child that ignores it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stopChild } from '../../src/util/stop-child.js';

function startShell(script: string): ReturnType<typeof spawn> {
  return spawn('/bin/sh', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Resolves once the shell printed its first line (its trap is set). */
function ready(proc: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((r) => proc.stdout!.once('data', () => r()));
}

test('stopChild: SIGTERM is enough for a child that exits on it', async () => {
  const proc = startShell('trap "exit 0" TERM; echo up; while :; do sleep 0.05; done');
  await ready(proc);
  await stopChild(proc, 'SIGTERM', 10_000);
  assert.equal(proc.signalCode, null, 'it exited by itself, not by SIGKILL');
  assert.equal(proc.exitCode, 0);
});

test('stopChild: a child that ignores SIGTERM is killed after the grace period', async () => {
  const proc = startShell('trap "" TERM; echo up; while :; do sleep 0.05; done');
  await ready(proc);
  const t0 = Date.now();
  await stopChild(proc, 'SIGTERM', 300);
  assert.equal(proc.signalCode, 'SIGKILL');
  assert.ok(Date.now() - t0 >= 250, 'it was given the grace period first');
});

test('stopChild: SIGKILL by default, and a child already gone is no error', async () => {
  const proc = startShell('echo up; exec sleep 30');
  await ready(proc);
  await stopChild(proc);
  assert.equal(proc.signalCode, 'SIGKILL');
  await stopChild(proc, 'SIGTERM', 100);
});
