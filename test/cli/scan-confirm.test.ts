/**
 * `forkwatch scan`'s confirmation over fakes: the daemon's real capturer
 * (fake /proc tree, fake tracer run), the real signature library and the
 * daemon's verdict rule; then what the report makes of it (exit status,
 * JSON, table). The order is the point: two kernel samples a gap apart
 * (the capturer's firstGapMs), with no ptrace before the second, then one
 * capture per child.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCapturer } from '../../src/capture/capturer.js';
import type { CaptureBackend } from '../../src/capture/backends.js';
import { classifyChild } from '../../src/classify/classify.js';
import { exitStatusOf, reportToJson } from '../../src/cli/scan-report.js';
import { confirmationColumns, formatConfirmSummary, formatTable, BASE_COLUMNS } from '../../src/cli/scan-table.js';
import type { ChildReport, ScanReport, TargetProcess } from '../../src/classify/types.js';
import { createConfirmer, SAMPLE_GAP_MS, settle } from '../../src/cli/scan-confirm.js';
import { resolveConfig } from '../../src/config/load.js';
import { loadMatcher } from '../../src/stages/build.js';
import type { ProcessInfo } from '../../src/scan/types.js';
import type { RunOptions, RunResult } from '../../src/util/run-program.js';
import { silentLogger } from '../../src/util/logger.js';
import { createFakeProc, startTimeMsOf, type FakeProcess } from '../helpers/fake-proc.js';

const EU: CaptureBackend = { name: 'eu-stack', path: '/usr/bin/eu-stack', format: 'eu-stack' };
/** The suite's deadlocker as eu-stack prints it: a lock taken in an atfork child handler. */
const ATFORK =
  'PID 10 - process\nTID 10:\n#0  0x00007fd3452c712b __GI___lll_lock_wait\n#1  0x00007fd3452c712c pthread_mutex_lock\n#2  0x000055d0c0a0a1c9 atfork_child\n#3  0x00007fd3453159e8 __run_postfork_handlers\n#4  0x00007fd345315073 __fork\n#5  0x000055d0c0a0a2d0 main\n';
/** A child blocked in poll(): no deadlock signature. */
const POLL =
  'PID 10 - process\nTID 10:\n#0  0x00007fd3452c7100 __poll\n#1  0x000055d0c0a0a1c9 worker_loop\n#2  0x000055d0c0a0a2d0 main\n';
const NOW = startTimeMsOf(1000) + 3_600_000;
const JVM_ARGS = Buffer.from('/usr/bin/java\0-jar\0jenkins.war\0');

function proc(over: Partial<ProcessInfo>): ProcessInfo {
  return {
    pid: 10,
    ppid: 9,
    startTimeMs: startTimeMsOf(1000),
    stateCode: 'S',
    state: 'sleeping',
    threads: 1,
    uid: 0,
    comm: 'launcher-0',
    cmdline: JVM_ARGS,
    cmdlineTruncated: false,
    exe: '/usr/bin/java',
    exeDeleted: false,
    exeDev: 1,
    exeIno: 2,
    cpuTimeMs: 0,
    wchan: 'futex_do_wait',
    ...over,
  };
}

const TARGET: TargetProcess = {
  name: 'jenkins',
  process: proc({ pid: 9, ppid: 1, threads: 40, comm: 'java', startTimeMs: startTimeMsOf(500) }),
  user: 'root',
};

function report(children: ChildReport[]): ScanReport {
  return {
    at: NOW,
    host: 'h',
    targets: [TARGET],
    missingTargets: [],
    children,
    hungAfterMs: 60_000,
    warnings: [],
    stats: { source: 'procfs', processesRead: 3, vanished: 0, permissionDenied: 0, malformed: 0, durationMs: 1 },
  };
}

const childOf = (over: Partial<ProcessInfo> = {}) =>
  classifyChild(TARGET, { info: proc(over), depth: 1 }, { hungAfterMs: 60_000, nowMs: NOW });

interface Setup {
  fake?: Partial<FakeProcess>;
  stdout?: string;
  failed?: boolean;
  capture?: boolean;
  /** Runs at the fake sleep between the samples (the child's life goes on). */
  during?: (proc: ReturnType<typeof createFakeProc>) => void;
}

/** The real capturer on a fake /proc, a fake tracer, a clock that the fake sleep advances. */
function setup(s: Setup = {}) {
  const proc = createFakeProc();
  proc.set({ pid: 9, comm: 'java', threads: 40 });
  proc.set({ pid: 10, ppid: 9, comm: 'launcher-0', startTicks: 1000, ...s.fake });
  const config = resolveConfig({ procRoot: proc.root, capture: { enabled: s.capture ?? true } });
  let now = NOW;
  const events: string[] = [];
  const run = async (command: string, args: string[], _opts: RunOptions): Promise<RunResult> => {
    events.push(`run ${args.at(-1)}`);
    const failed = s.failed ?? false;
    return {
      command,
      args,
      failed,
      timedOut: false,
      truncated: false,
      notFound: false,
      exitCode: failed ? 1 : 0,
      signal: null,
      stdout: failed ? '' : (s.stdout ?? ATFORK),
      stderr: failed ? 'eu-stack: dwfl_thread_getframes: no such process' : '',
      durationMs: 3,
      cause: null,
    };
  };
  const capturer = createCapturer(config, {
    run,
    backends: [EU],
    arch: 'x64',
    platform: 'linux',
    now: () => now,
    sleep: async (ms) => {
      events.push(`sleep ${ms}`);
      now += ms;
      s.during?.(proc);
    },
  });
  const sampled = {
    captureSuspect: (x: Parameters<typeof capturer.captureSuspect>[0], o?: { capture?: boolean }) => {
      events.push(`sample ${x.pid} capture=${o?.capture !== false}`);
      return capturer.captureSuspect(x, o);
    },
    retain: (live: Iterable<{ pid: number; startTimeMs: number }>) => capturer.retain(live),
  };
  const kernelOnly = !(s.capture ?? true);
  const confirmer = createConfirmer({
    evidence: sampled,
    matcher: kernelOnly ? null : loadMatcher(config, silentLogger()),
    mode: kernelOnly ? 'kernel-only' : 'capture',
    reason: kernelOnly ? '--no-capture' : null,
  });
  return { proc, confirmer, events };
}

test('a fresh suspect: two kernel samples a gap apart, then one capture, then the signature: exit 2', async () => {
  const { confirmer, events } = setup();
  const r = report([childOf()]);
  const conf = await confirmer.confirm(r);
  assert.deepEqual(
    events,
    ['sample 10 capture=true', `sleep ${SAMPLE_GAP_MS}`, 'run 10'],
    'the capturer samples, waits the gap, samples again: no ptrace before the second sample',
  );
  const c = conf.children[0]!;
  assert.equal(c.verdict?.by, 'signature');
  assert.equal(c.verdict?.signatureId, 'glibc-atfork-child-lock');
  assert.match(c.verdict!.fingerprint ?? '', /^[0-9a-f]{16}$/);
  assert.equal(c.kernel?.blocked, true, 'both samples before the attach: the kernel proof holds too');
  assert.equal(c.capture?.backend, 'eu-stack');
  assert.equal(c.capture?.frames, 6);
  assert.equal(c.forkingThread, null, 'the fake parent has no tasks to name');
  assert.equal(exitStatusOf(r, conf), 2);
  assert.equal(exitStatusOf(r), 1, 'without confirmation: overdue only');

  const j = reportToJson(r, conf) as {
    confirmed: number;
    exitStatus: number;
    confirm: Record<string, unknown>;
    children: { confirmation: { verdict: { signatureId: string } } }[];
  };
  assert.equal(j.confirmed, 1);
  assert.equal(j.exitStatus, 2);
  assert.deepEqual(j.confirm, { mode: 'capture', reason: null, sampleGapMs: SAMPLE_GAP_MS });
  assert.equal(j.children[0]!.confirmation.verdict.signatureId, 'glibc-atfork-child-lock');
  assert.equal(JSON.parse(JSON.stringify(j)).children[0].confirmation.capture.ok, true, 'plain JSON');

  const table = formatTable(r.children, [...BASE_COLUMNS, ...confirmationColumns(conf)]);
  assert.match(table, /CONFIRMED\s+EVIDENCE$/m);
  assert.match(
    table,
    /never-execed OVERDUE\s+futex_do_wait\s+signature\s+glibc-atfork-child-lock: Lock taken in a pthread_atfork child handler$/m,
  );
  assert.equal(
    formatConfirmSummary(conf),
    'confirmed: 1 of 1 suspect(s), 1 by signature, 0 by kernel proof; checked: kernel evidence + stack capture + signatures\n',
  );
});

test('--watch: the same child is never sampled twice in a row nor captured again; its match is kept', async () => {
  const { confirmer, events } = setup();
  const r = report([childOf()]);
  await confirmer.confirm(r);
  events.length = 0;
  const again = await confirmer.confirm(r);
  assert.deepEqual(events, ['sample 10 capture=true'], 'no pre-sample, no gap, no tracer: captured once per identity');
  assert.equal(again.children[0]!.verdict?.signatureId, 'glibc-atfork-child-lock');
  assert.equal(again.children[0]!.note, 'captured once, at an earlier scan');
  assert.equal(again.children[0]!.kernel?.blocked, false, 'samples start afresh after an attach');

  // Another process under the same pid (other start time) is a new suspect; the fake /proc still
  // holds the first one, so it is gone: no kernel sample, no gap, no tracer.
  events.length = 0;
  const reused = report([childOf({ startTimeMs: startTimeMsOf(1000) + 60_000 })]);
  const conf = await confirmer.confirm(reused);
  assert.deepEqual(events, ['sample 10 capture=true'], 'gone at once: no gap');
  assert.equal(conf.children[0]!.note, 'process gone before it could be examined');
  assert.equal(conf.children[0]!.verdict, null);
  assert.equal(exitStatusOf(reused, conf), 1);
});

test('--no-capture: kernel proof alone confirms (proven_blocked); no tracer ever runs', async () => {
  const { confirmer, events } = setup({ capture: false });
  const r = report([childOf()]);
  const conf = await confirmer.confirm(r);
  assert.ok(!events.some((e) => e.startsWith('run')), events.join(', '));
  const c = conf.children[0]!;
  assert.equal(c.verdict?.by, 'kernel');
  assert.equal(c.verdict?.signatureId, 'proven_blocked');
  assert.equal(c.capture, null);
  assert.equal(c.note, 'not captured (--no-capture)');
  assert.equal(exitStatusOf(r, conf), 2);
  const table = formatTable(r.children, [...BASE_COLUMNS, ...confirmationColumns(conf)]);
  assert.match(
    table,
    /\bkernel\s+proven_blocked \(kernel proof\): unchanged over 2 samples and 1000 ms: no CPU time, no voluntary switch; wchan futex_do_wait$/m,
  );
  assert.match(
    formatConfirmSummary(conf),
    /0 by signature, 1 by kernel proof; checked: kernel evidence only \(--no-capture\)/,
  );
});

test('--no-capture on a child that is not provably blocked (two threads): overdue, unconfirmed, exit 1', async () => {
  const { confirmer } = setup({ capture: false, fake: { threads: 2 } });
  const r = report([childOf()]);
  const conf = await confirmer.confirm(r);
  assert.equal(conf.children[0]!.verdict, null);
  assert.equal(exitStatusOf(r, conf), 1);
  const table = formatTable(r.children, [...BASE_COLUMNS, ...confirmationColumns(conf)]);
  assert.match(table, /\bno\s+not captured \(--no-capture\); not proven blocked: sample 0: 2 threads, not 1$/m);
});

test('a stack with no deadlock signature, a child in poll(): neither proof, exit 1; a failed capture says why', async () => {
  const poll = setup({ stdout: POLL, fake: { syscall: '7 0x7ffd 0x1 0xffffffffffffffff 0x0 0x0 0x0 0x7ff 0x7fe' } });
  const r = report([childOf()]);
  const conf = await poll.confirmer.confirm(r);
  assert.equal(conf.children[0]!.verdict, null);
  assert.equal(conf.children[0]!.capture?.ok, true);
  assert.equal(exitStatusOf(r, conf), 1);
  assert.match(
    formatTable(r.children, confirmationColumns(conf)),
    /^no\s+no signature matched \(3 frames\); not proven blocked: sample 0: not a private futex wait/m,
  );

  const failed = setup({ failed: true, fake: { threads: 2 } });
  const conf2 = await failed.confirmer.confirm(r);
  assert.equal(conf2.children[0]!.verdict, null);
  assert.match(
    formatTable(r.children, confirmationColumns(conf2)),
    /^no\s+capture failed: process vanished during capture; not proven blocked/m,
  );
});

test('a stack with no signature but a proven kernel wait: confirmed by kernel proof, as the daemon decides', async () => {
  const { confirmer } = setup({ stdout: POLL });
  const r = report([childOf()]);
  const conf = await confirmer.confirm(r);
  assert.equal(conf.children[0]!.verdict?.by, 'kernel');
  assert.match(
    conf.children[0]!.verdict?.fingerprint ?? '',
    /^[0-9a-f]{16}$/,
    'the stack fingerprint is kept with the kernel verdict',
  );
  assert.equal(exitStatusOf(r, conf), 2);
});

test("only overdue never-exec'd children are confirmed: exec'd and young ones are never sampled; an old one sleeping in a timer gets one second look", async () => {
  const { confirmer, events } = setup();
  const children = [
    childOf({ pid: 20, exe: '/usr/bin/sleep', cmdline: Buffer.from('sleep\x00100\x00') }),
    childOf({ pid: 21, startTimeMs: NOW - 1000 }),
    childOf({ pid: 22, wchan: 'hrtimer_nanosleep' }),
  ];
  assert.deepEqual(
    children.map((c) => [c.classification, c.overdue]),
    [
      ['execed', false],
      ['never-execed', false],
      ['never-execed', false],
    ],
  );
  const r = report(children);
  const conf = await confirmer.confirm(r);
  // pid 22 is not in the fake /proc: its second look finds it gone, and nothing is run
  assert.deepEqual(events, ['sample 22 capture=true']);
  assert.deepEqual(conf.children, []);
  assert.equal(exitStatusOf(r, conf), 0);
  const j = reportToJson(r, conf) as { confirmed: number; children: { confirmation: unknown }[] };
  assert.equal(j.confirmed, 0);
  assert.deepEqual(
    j.children.map((c) => c.confirmation),
    [null, null, null],
  );
  assert.match(formatTable(r.children, confirmationColumns(conf)), /^-\s+-$/m);
});

test('a busy child caught with no wait channel (between runqueue and sleep) is overdue by one read; its samples clear it: no ptrace, not overdue, exit 0', async () => {
  const busy = { pid: 10, ppid: 9, comm: 'launcher-0', startTicks: 1000, utime: 40 };
  const { confirmer, events } = setup({
    fake: { utime: 40, syscall: 'running' },
    during: (p) => p.set({ ...busy, utime: 95, syscall: 'running' }),
  });
  const scanned = report([childOf({ wchan: null, cpuTimeMs: 400 })]);
  assert.equal(scanned.children[0]!.activity, 'unknown', 'one read: S with wchan "0"');
  assert.equal(scanned.children[0]!.overdue, true);
  const conf = await confirmer.confirm(scanned);
  assert.deepEqual(events, ['sample 10 capture=true', `sleep ${SAMPLE_GAP_MS}`], 'no tracer');
  const c = conf.children[0]!;
  assert.equal(c.verdict, null);
  assert.equal(c.capture, null);
  assert.match(c.progressed ?? '', /^CPU time changed: 420 → 970 ms over 1000 ms$/);
  assert.match(c.note ?? '', /^doing its own work \(CPU time changed: 420 → 970 ms over 1000 ms\): not captured$/);

  const r = settle(scanned, conf);
  const child = r.children[0]!;
  assert.equal(child.overdue, false);
  assert.equal(child.overdueSince, null);
  assert.equal(child.activity, 'progressing');
  assert.match(
    child.reason ?? '',
    /^never exec'd, used CPU between its samples \(CPU time changed: .*\); not overdue$/,
  );
  assert.equal(exitStatusOf(r, conf), 0);
  assert.equal(exitStatusOf(scanned, conf), 1, 'unsettled, the one read alone would say overdue');
  assert.equal(scanned.children[0]!.overdue, true, 'settle copies: the scan report is not changed');

  const still = setup({ fake: { utime: 40 } });
  const blocked = report([childOf()]);
  const conf2 = await still.confirmer.confirm(blocked);
  assert.equal(conf2.children[0]!.progressed, null, 'a child that did not move is captured');
  assert.equal(settle(blocked, conf2), blocked);
});

/** The suite's deadlocker --spinning child as eu-stack prints it: still inside fork(), its child handler sleeping between spins. */
const SPINNING =
  'PID 10 - process\nTID 10:\n#0  0x00007fd3452a1f15 __GI___clock_nanosleep\n#1  0x00007fd3452a6e53 __GI___nanosleep\n#2  0x00007fd3452d8b49 usleep\n#3  0x000055d0c0a0a1c9 spin_until_clear\n#4  0x000055d0c0a0a1f0 atfork_child_handler\n#5  0x00007fd3453159e8 __run_postfork_handlers\n#6  0x00007fd345315073 __libc_fork\n#7  0x000055d0c0a0a2d0 main\n';

test("second look: an old never-exec'd child that is not overdue (sleeping in a timer) but whose one stack is stuck inside fork() is confirmed, overdue in the settled report, exit 2; --watch never captures it again", async () => {
  const { confirmer, events } = setup({ stdout: SPINNING, fake: { syscall: '230 0x0 0x0' } });
  const r = report([childOf({ wchan: 'hrtimer_nanosleep' })]);
  assert.equal(r.children[0]!.overdue, false);
  assert.equal(r.children[0]!.activity, 'blocked-other');
  const conf = await confirmer.confirm(r);
  assert.deepEqual(
    events,
    ['sample 10 capture=true', 'run 10'],
    'one sample, one capture: no kernel gap (it is moving)',
  );
  assert.equal(conf.children.length, 1);
  const c = conf.children[0]!;
  assert.equal(c.secondLook, true);
  assert.equal(c.verdict?.by, 'signature');
  assert.equal(c.verdict?.signatureId, 'fork-child-handlers-never-return');
  assert.match(c.note ?? '', /^second look: /);
  const settled = settle(r, conf);
  assert.equal(settled.children[0]!.overdue, true);
  assert.match(settled.children[0]!.reason ?? '', /its stack names fork-child-handlers-never-return: overdue$/);
  assert.equal(exitStatusOf(settled, conf), 2);
  assert.match(
    formatTable(settled.children, confirmationColumns(conf)),
    /signature\s+fork-child-handlers-never-return: .* \(second look: not overdue by its state\)$/m,
  );
  const j = reportToJson(settled, conf) as { confirmed: number; overdue: number };
  assert.equal(j.confirmed, 1);
  assert.equal(j.overdue, 1);
  // --watch: the next scan keeps the verdict without another capture
  const again = await confirmer.confirm(r);
  assert.deepEqual(events.slice(2), [], 'no second capture, no sample');
  assert.equal(again.children[0]?.verdict?.signatureId, 'fork-child-handlers-never-return');
});

test('second look: a lingering child whose stack names no deadlock (a worker in poll) stays unconfirmed, exit 0, and is looked at once', async () => {
  const { confirmer, events } = setup({ stdout: POLL });
  const r = report([childOf({ wchan: 'do_sys_poll' })]);
  const conf = await confirmer.confirm(r);
  assert.deepEqual(events, ['sample 10 capture=true', 'run 10']);
  assert.deepEqual(conf.children, []);
  assert.equal(exitStatusOf(settle(r, conf), conf), 0);
  await confirmer.confirm(r);
  assert.equal(events.length, 2, 'never looked at again');
});

test('second look: none with --no-capture (kernel evidence only), none for a child younger than hungAfter', async () => {
  const kernelOnly = setup({ capture: false, stdout: SPINNING });
  await kernelOnly.confirmer.confirm(report([childOf({ wchan: 'hrtimer_nanosleep' })]));
  assert.deepEqual(kernelOnly.events, []);
  const young = setup({ stdout: SPINNING });
  await young.confirmer.confirm(report([childOf({ wchan: 'hrtimer_nanosleep', startTimeMs: NOW - 30_000 })]));
  assert.deepEqual(young.events, []);
});

test('second look, --watch: at most two a scan, oldest first; a named child stays confirmed at later scans even when older lingering children outnumber it', async () => {
  const { confirmer, events } = setup({ stdout: SPINNING, fake: { syscall: '230 0x0 0x0' } });
  // pids 20 and 21 are older and not in the fake /proc (gone when looked at); pid 10 is the spinning child
  const older = (pid: number) => childOf({ pid, wchan: 'hrtimer_nanosleep', startTimeMs: startTimeMsOf(900) });
  const r = report([older(20), older(21), childOf({ wchan: 'hrtimer_nanosleep' })]);
  const first = await confirmer.confirm(r);
  assert.deepEqual(events, ['sample 20 capture=true', 'sample 21 capture=true'], 'the two oldest first');
  assert.deepEqual(first.children, []);
  const second = await confirmer.confirm(r);
  assert.deepEqual(events.slice(2), ['sample 10 capture=true', 'run 10']);
  assert.equal(second.children[0]?.verdict?.signatureId, 'fork-child-handlers-never-return');
  const third = await confirmer.confirm(r);
  assert.equal(events.length, 4, 'nothing looked at again');
  assert.deepEqual(
    third.children.map((c) => [c.pid, c.secondLook, c.verdict?.signatureId]),
    [[10, true, 'fork-child-handlers-never-return']],
  );
  assert.equal(exitStatusOf(settle(r, third), third), 2);
});
