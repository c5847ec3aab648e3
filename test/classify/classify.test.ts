import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyChild, classifyDescendants } from '../../src/classify/classify.js';
import { activityOf } from '../../src/classify/activity.js';
import { sameImage } from '../../src/classify/image.js';
import { ChildTracker } from '../../src/classify/tracker.js';
import { exitStatusOf } from '../../src/cli/scan-report.js';
import type { ProcessInfo } from '../../src/scan/types.js';
import type { ScanReport, TargetProcess } from '../../src/classify/types.js';

const NOW = 1_800_000_000_000;
const JVM_ARGS = Buffer.from('/usr/bin/java\0-jar\0/usr/share/java/jenkins.war\0');

function proc(over: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid: 100,
    ppid: 1,
    startTimeMs: NOW - 3_600_000,
    stateCode: 'S',
    state: 'sleeping',
    threads: 1,
    uid: 1000,
    comm: 'java',
    cmdline: JVM_ARGS,
    cmdlineTruncated: false,
    exe: '/usr/lib/jvm/bin/java',
    exeDeleted: false,
    exeDev: 2049,
    exeIno: 777,
    cpuTimeMs: 10,
    wchan: 'futex_do_wait',
    ...over,
  };
}

const target: TargetProcess = {
  name: 'jenkins',
  process: proc({ pid: 10, threads: 80, comm: 'java' }),
  user: 'jenkins',
};
const opts = { hungAfterMs: 60_000, nowMs: NOW };
const child = (over: Partial<ProcessInfo>) => classifyChild(target, { info: proc(over), depth: 1 }, opts);

test("never exec'd: same exe (path+inode) and cmdline bytes; comm is never compared", () => {
  const r = child({ comm: 'SCM polling f' });
  assert.equal(r.classification, 'never-execed');
  assert.equal(r.overdue, true);
  assert.equal(r.overdueSince, NOW - 3_600_000 + 60_000);
  assert.equal(r.activity, 'lock-wait');
});

test("exec'd children are never flagged, however old", () => {
  const rows: [string, Partial<ProcessInfo>][] = [
    ['git', { exe: '/usr/bin/git', cmdline: Buffer.from('git\0fetch\0'), startTimeMs: NOW - 86_400_000 }],
    ['same args, other binary', { exe: '/usr/bin/other', startTimeMs: NOW - 86_400_000 }],
    ['same path, other inode (replaced image)', { exeIno: 778 }],
    ['java agent with other args', { cmdline: Buffer.from('/usr/bin/java\0-jar\0agent.jar\0') }],
    ['one byte differs', { cmdline: Buffer.from('/usr/bin/java\0-jar\0/usr/share/java/jenkins.wax\0') }],
    ['empty cmdline (kernel thread style)', { cmdline: Buffer.alloc(0) }],
  ];
  for (const [name, over] of rows) {
    const r = child(over);
    assert.equal(r.classification, 'execed', name);
    assert.equal(r.overdue, false, name);
  }
});

test("zombies are zombies, not never-exec'd", () => {
  const r = child({ stateCode: 'Z', state: 'zombie', cmdline: Buffer.alloc(0), exe: null, wchan: null });
  assert.equal(r.classification, 'zombie');
  assert.equal(r.overdue, false);
});

test('overdue needs age > hungAfter and a lock wait or an unknown wait', () => {
  const rows: [string, Partial<ProcessInfo>, boolean, string][] = [
    ['young lock wait', { startTimeMs: NOW - 59_000 }, false, 'lock-wait'],
    ['exactly hungAfter', { startTimeMs: NOW - 60_000 }, false, 'lock-wait'],
    ['old lock wait (older kernel name)', { wchan: 'futex_wait_queue_me' }, true, 'lock-wait'],
    ['old, wait unknown (ps, hidden)', { wchan: null }, true, 'unknown'],
    ['old sleeper', { wchan: 'hrtimer_nanosleep' }, false, 'blocked-other'],
    ['old accepter', { wchan: 'inet_csk_accept' }, false, 'blocked-other'],
    ['old, running', { stateCode: 'R', state: 'running', wchan: null }, false, 'running'],
  ];
  for (const [name, over, overdue, activity] of rows) {
    const r = child(over);
    assert.equal(r.classification, 'never-execed', name);
    assert.equal(r.overdue, overdue, name);
    assert.equal(r.activity, activity, name);
  }
});

test("deleted image: never exec'd when both say deleted; exe unknown: cmdline decides", () => {
  const deleted = { exe: '/usr/lib/jvm/bin/java', exeDeleted: true, exeDev: null, exeIno: null };
  const t2 = { ...target, process: proc({ pid: 10, ...deleted }) };
  assert.equal(sameImage(t2.process, proc(deleted)), true);
  assert.equal(sameImage(t2.process, proc({ exeDeleted: false })), false);
  assert.equal(sameImage(target.process, proc({ exe: null, exeDev: null, exeIno: null })), true);
});

test('ps: fname compared only where it is the image name', () => {
  const t = proc({ pid: 10, exe: null, exeDev: null, exeIno: null, comm: 'java' });
  const c = proc({ exe: null, exeDev: null, exeIno: null, comm: 'javaw' });
  assert.equal(sameImage(t, c, { compareComm: true }), false);
  assert.equal(sameImage(t, c, { compareComm: false }), true);
});

test('CPU progress across scans (same identity) clears overdue; a reused pid starts afresh', () => {
  const tracker = new ChildTracker();
  const first = proc({ cpuTimeMs: 100 });
  const r1 = classifyDescendants([{ target, descendants: [{ info: first, depth: 1 }] }], { ...opts, tracker });
  assert.equal(r1[0]!.overdue, true);
  const busier = proc({ cpuTimeMs: 250 });
  const r2 = classifyDescendants([{ target, descendants: [{ info: busier, depth: 1 }] }], { ...opts, tracker });
  assert.equal(r2[0]!.activity, 'progressing');
  assert.equal(r2[0]!.overdue, false);
  const reused = proc({ cpuTimeMs: 900, startTimeMs: NOW - 120_000 });
  const r3 = classifyDescendants([{ target, descendants: [{ info: reused, depth: 1 }] }], { ...opts, tracker });
  assert.equal(r3[0]!.activity, 'lock-wait', 'another process under the same pid: no CPU history');
  assert.equal(r3[0]!.overdue, true);
  assert.equal(activityOf(proc({ cpuTimeMs: 5 }), 5), 'lock-wait', 'no progress: the wait counts');
});

test('exit status: 1 overdue, 3 cannot tell, 0 fine', () => {
  const base: ScanReport = {
    at: NOW,
    host: 'h',
    targets: [target],
    missingTargets: [],
    children: [],
    stats: { source: 'procfs', processesRead: 1, vanished: 0, permissionDenied: 0, malformed: 0, durationMs: 1 },
    warnings: [],
  };
  assert.equal(exitStatusOf(base), 0);
  assert.equal(exitStatusOf({ ...base, targets: [], missingTargets: ['jenkins'] }), 3);
  assert.equal(exitStatusOf({ ...base, stats: { ...base.stats, permissionDenied: 1 } }), 3);
  assert.equal(exitStatusOf({ ...base, children: [child({})] }), 1);
  assert.equal(exitStatusOf({ ...base, missingTargets: ['agent'], children: [child({})] }), 1);
  assert.equal(exitStatusOf({ ...base, children: [child({ wchan: 'inet_csk_accept' })] }), 0);
});
