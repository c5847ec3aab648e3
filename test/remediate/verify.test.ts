/** The checks before a signal, one row per way a pid can stop being the incident's hung child. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyHungChild, type CheckName, type ExpectedChild, type ObservedChild } from '../../src/remediate/verify.js';
import type { KernelEvidence } from '../../src/capture/types.js';
import type { ProcessInfo } from '../../src/scan/types.js';

const T0 = 1_700_000_000_000;
const CMD = Buffer.from('java\0-jar\0jenkins.war\0');
const SYSCALL = '202 0x7f87e6c45120 0x80 0x2 0x0 0x0 0x0 0x7f8767efe188 0x7f87e6aac12b';

function proc(pid: number, over: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid,
    startTimeMs: T0 + pid,
    ppid: 1,
    stateCode: 'S',
    state: 'sleeping',
    threads: 1,
    uid: 1000,
    comm: 'SCM polling f',
    cmdline: CMD,
    cmdlineTruncated: false,
    exe: '/usr/lib/jvm/java-17/bin/java',
    exeDeleted: false,
    exeDev: 1,
    exeIno: 2,
    cpuTimeMs: 0,
    ...over,
  };
}

function kernel(over: Partial<KernelEvidence> = {}): KernelEvidence {
  return {
    at: T0,
    pid: 200,
    startTicks: 5000,
    state: 'S',
    threads: 1,
    wchan: 'futex_do_wait',
    syscall: SYSCALL,
    syscallNr: 202,
    futexWaitPrivate: true,
    voluntaryCtxtSwitches: 1,
    nonvoluntaryCtxtSwitches: 0,
    cpuTimeMs: 0,
    tracerPid: 0,
    ...over,
  };
}

const expected = (over: Partial<ExpectedChild> = {}): ExpectedChild => ({
  childPid: 200,
  childStartMs: T0 + 200,
  childStartTicks: 5000,
  targetPid: 100,
  targetStartMs: T0 + 100,
  lastKernel: kernel(),
  forbiddenPids: [100, 999],
  ownPid: 999,
  ...over,
});

const observed = (over: Partial<ObservedChild> = {}): ObservedChild => ({
  child: proc(200, { ppid: 100 }),
  target: proc(100, { threads: 40, comm: 'java' }),
  ancestry: [100],
  // After the capture's ptrace: voluntary switches moved, the wait itself did not.
  kernel: kernel({ at: T0 + 5000, voluntaryCtxtSwitches: 3 }),
  selfPid: 999,
  ...over,
});

const rows: { name: string; e?: Partial<ExpectedChild>; o?: Partial<ObservedChild>; fails: CheckName[] }[] = [
  { name: 'the hung child, unchanged', fails: [] },
  {
    name: 'a grandchild (forked by a helper the JVM forked)',
    o: { child: proc(200, { ppid: 150 }), ancestry: [150, 100] },
    fails: [],
  },
  {
    name: 'no start ticks stored: ms within 1 s',
    e: { childStartTicks: null, childStartMs: T0 + 200 - 900 },
    fails: [],
  },
  { name: 'pid gone', o: { child: null, kernel: null, ancestry: [] }, fails: ['child-identity'] },
  { name: 'pid reused: other start tick', o: { kernel: kernel({ startTicks: 9000 }) }, fails: ['child-identity'] },
  {
    name: 'stale start time (no ticks): 5 s off',
    e: { childStartTicks: null, childStartMs: T0 + 200 - 5000 },
    fails: ['child-identity'],
  },
  {
    name: '/proc of another pid namespace (/host/proc without hostPID)',
    o: { selfPid: 4242 },
    fails: ['pid-namespace'],
  },
  { name: 'procRoot/self unreadable', o: { selfPid: null }, fails: ['pid-namespace'] },
  { name: 'pid 1', e: { childPid: 1 }, fails: ['not-forbidden'] },
  { name: 'pid 0', e: { childPid: 0 }, fails: ['not-forbidden'] },
  { name: 'the target itself', e: { childPid: 100 }, fails: ['not-forbidden'] },
  { name: 'another watched JVM or forkwatch', e: { forbiddenPids: [200] }, fails: ['not-forbidden'] },
  {
    name: 'target restarted (same pid, other start)',
    o: { target: proc(100, { startTimeMs: T0 + 100 + 60_000 }) },
    fails: ['target-identity'],
  },
  { name: 'target gone', o: { target: null, ancestry: [1] }, fails: ['target-identity', 'descendant', 'never-execed'] },
  {
    name: 'reparented to init (target died)',
    o: { child: proc(200, { ppid: 1 }), ancestry: [1] },
    fails: ['descendant'],
  },
  {
    name: "exec'd: other cmdline",
    o: { child: proc(200, { ppid: 100, cmdline: Buffer.from('git\0fetch\0') }) },
    fails: ['never-execed'],
  },
  { name: "exec'd: other exe", o: { child: proc(200, { ppid: 100, exe: '/usr/bin/git' }) }, fails: ['never-execed'] },
  {
    name: 'many threads (a JVM)',
    o: { child: proc(200, { ppid: 100, threads: 30 }), kernel: kernel({ threads: 30 }) },
    fails: ['single-thread', 'blocked'],
  },
  { name: 'running', o: { kernel: kernel({ state: 'R' }) }, fails: ['blocked'] },
  {
    name: 'not in a futex wait',
    o: { kernel: kernel({ futexWaitPrivate: false, syscall: '7 0x1 0x0' }) },
    fails: ['blocked', 'no-progress'],
  },
  { name: 'traced (a debugger attached)', o: { kernel: kernel({ tracerPid: 4321 }) }, fails: ['blocked'] },
  { name: 'kernel evidence unreadable', o: { kernel: null }, fails: ['blocked', 'no-progress'] },
  {
    name: 'waits on another futex word since',
    o: { kernel: kernel({ syscall: SYSCALL.replace('0x7f87e6c45120', '0x7f87e6c45128') }) },
    fails: ['no-progress'],
  },
  { name: 'used CPU since', o: { kernel: kernel({ cpuTimeMs: 10 }) }, fails: ['no-progress'] },
  { name: 'no stored sample to compare with', e: { lastKernel: null }, fails: ['no-progress'] },
];

test('verifyHungChild table: every way a pid stops being the hung child is refused, by name', () => {
  for (const r of rows) {
    const v = verifyHungChild(expected(r.e), observed(r.o));
    assert.deepEqual(
      v.failed.map((f) => f.check).sort(),
      [...r.fails].sort(),
      `${r.name}: ${JSON.stringify(v.failed)}`,
    );
    assert.equal(v.ok, r.fails.length === 0, r.name);
    for (const f of v.failed) assert.ok(f.detail.length > 0, `${r.name}: ${f.check} has a reason`);
  }
});

test('all nine checks pass for the hung child, and a failure names pid and reason', () => {
  assert.deepEqual(verifyHungChild(expected(), observed()).passed, [
    'pid-namespace',
    'not-forbidden',
    'child-identity',
    'target-identity',
    'descendant',
    'never-execed',
    'single-thread',
    'blocked',
    'no-progress',
  ]);
  const v = verifyHungChild(expected(), observed({ kernel: kernel({ startTicks: 9000 }) }));
  assert.match(v.failed[0]!.detail, /pid 200 started at tick 9000, the incident's child at tick 5000/);
});
