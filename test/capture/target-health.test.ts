import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTargetHealth, verifyTargetUnharmed } from '../../src/capture/target-health.js';
import { createFakeProc } from '../helpers/fake-proc.js';

test('a target left stopped by a killed tracer gets SIGCONT; nothing else is signalled', async () => {
  const proc = createFakeProc();
  proc.set({ pid: 10, state: 'S', startTicks: 500 });
  const before = readTargetHealth(proc.root, 10)!;
  proc.set({ pid: 10, state: 'T', startTicks: 500 });
  const sent: [number, string][] = [];
  const after = await verifyTargetUnharmed(10, before, {
    procRoot: proc.root,
    abnormalEnd: true,
    settleMs: 30,
    pollMs: 5,
    sendSignal: (pid, sig) => {
      sent.push([pid, sig]);
      proc.set({ pid: 10, state: 'S', startTicks: 500 }); // what the kernel does on SIGCONT
    },
  });
  assert.deepEqual(sent, [[10, 'SIGCONT']]);
  assert.equal(after.stopped, false);
  assert.equal(after.sameProcess, true);
  assert.match(after.repaired[0]!, /SIGCONT \(state T after the tracer ended; state S before\)/);
});

test('a SIGSTOP still pending after the tracer died is cancelled by SIGCONT too', async () => {
  const proc = createFakeProc();
  proc.set({ pid: 10, startTicks: 500 });
  const before = readTargetHealth(proc.root, 10)!;
  proc.set({ pid: 10, startTicks: 500, sigPnd: '0000000000040000' });
  const sent: string[] = [];
  const after = await verifyTargetUnharmed(10, before, {
    procRoot: proc.root,
    abnormalEnd: true,
    settleMs: 20,
    pollMs: 5,
    sendSignal: (_p, sig) => {
      sent.push(sig);
      proc.set({ pid: 10, startTicks: 500 });
    },
  });
  assert.deepEqual(sent, ['SIGCONT']);
  assert.deepEqual([after.stopped, after.traced], [false, false]);
});

test('a target that was already stopped before we attached is left as it was', async () => {
  const proc = createFakeProc();
  proc.set({ pid: 10, state: 'T', startTicks: 500 });
  const before = readTargetHealth(proc.root, 10)!;
  const sent: string[] = [];
  const after = await verifyTargetUnharmed(10, before, {
    procRoot: proc.root,
    abnormalEnd: true,
    settleMs: 10,
    sendSignal: (_p, s) => sent.push(s),
  });
  assert.deepEqual(sent, []);
  assert.equal(after.stopped, true);
  assert.match(after.notes.join(), /before forkwatch attached/);
});

test('a reused pid or a vanished process is reported, never signalled', async () => {
  const proc = createFakeProc();
  proc.set({ pid: 10, startTicks: 500 });
  const before = readTargetHealth(proc.root, 10)!;
  proc.set({ pid: 10, state: 'T', startTicks: 900 });
  const sent: string[] = [];
  const reused = await verifyTargetUnharmed(10, before, {
    procRoot: proc.root,
    abnormalEnd: true,
    sendSignal: (_p, s) => sent.push(s),
  });
  assert.equal(reused.sameProcess, false);
  proc.remove(10);
  const gone = await verifyTargetUnharmed(10, before, {
    procRoot: proc.root,
    abnormalEnd: false,
    sendSignal: (_p, s) => sent.push(s),
  });
  assert.equal(gone.sameProcess, false);
  assert.deepEqual(sent, []);
});

test('a tracer still attached that is not our descendant is left alone and reported', async () => {
  const proc = createFakeProc();
  proc.set({ pid: 10, startTicks: 500 });
  const before = readTargetHealth(proc.root, 10)!;
  proc.set({ pid: 10, startTicks: 500, state: 't', tracerPid: 77 });
  proc.set({ pid: 77, ppid: 1, comm: 'gdb' });
  const sent: [number, string][] = [];
  const after = await verifyTargetUnharmed(10, before, {
    procRoot: proc.root,
    abnormalEnd: true,
    settleMs: 10,
    pollMs: 200,
    selfPid: 5,
    sendSignal: (p, s) => sent.push([p, s]),
  });
  assert.deepEqual(sent, []);
  assert.equal(after.traced, true);
  assert.match(after.notes.join(), /traced by pid 77, not ours/);
});

test('a stray tracer that descends from us is killed', async () => {
  const proc = createFakeProc();
  proc.set({ pid: 10, startTicks: 500 });
  const before = readTargetHealth(proc.root, 10)!;
  proc.set({ pid: 10, startTicks: 500, state: 't', tracerPid: 78 });
  proc.set({ pid: 78, ppid: 60, comm: 'gdb' }); // gstack (60, already gone) → gdb (78)
  proc.set({ pid: 60, ppid: 5, comm: 'gstack' });
  const sent: [number, string][] = [];
  const after = await verifyTargetUnharmed(10, before, {
    procRoot: proc.root,
    abnormalEnd: true,
    settleMs: 10,
    pollMs: 5,
    selfPid: 5,
    sendSignal: (p, s) => {
      sent.push([p, s]);
      proc.set({ pid: 10, startTicks: 500 }); // the kernel detached it
    },
  });
  assert.deepEqual(sent, [[78, 'SIGKILL']]);
  assert.equal(after.traced, false);
});
