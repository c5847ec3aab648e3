import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCapturer } from '../../src/capture/capturer.js';
import { captureStack } from '../../src/capture/capture-stack.js';
import type { CaptureBackend } from '../../src/capture/backends.js';
import { createLimiter } from '../../src/capture/limit.js';
import { resolveConfig } from '../../src/config/load.js';
import type { RunOptions, RunResult } from '../../src/util/run-program.js';
import { createFakeProc, startTimeMsOf } from '../helpers/fake-proc.js';

const EU: CaptureBackend = { name: 'eu-stack', path: '/usr/bin/eu-stack', format: 'eu-stack' };
const GDB: CaptureBackend = { name: 'gdb', path: '/usr/bin/gdb', format: 'gdb' };
const EU_OUT =
  'PID 10 - process\nTID 10:\n#0  0x00007fd3452c712b __GI___lll_lock_wait\n#1  0x00007fd3453159e8 __run_postfork_handlers\n#2  0x00007fd345315073 __fork\n';

type Reply = Partial<RunResult> | ((cmd: string) => Partial<RunResult> | Promise<Partial<RunResult>>);

function fakeRun(reply: Reply) {
  const calls: { command: string; args: string[]; opts: RunOptions }[] = [];
  const run = async (command: string, args: string[], opts: RunOptions): Promise<RunResult> => {
    calls.push({ command, args, opts });
    const r = typeof reply === 'function' ? await reply(command) : reply;
    return {
      command,
      args,
      failed: false,
      timedOut: false,
      truncated: false,
      notFound: false,
      exitCode: 0,
      signal: null,
      stdout: EU_OUT,
      stderr: '',
      durationMs: 1,
      cause: null,
      ...r,
    };
  };
  return { run, calls };
}

function setup(over: Record<string, unknown> = {}) {
  const proc = createFakeProc();
  proc.set({
    pid: 9,
    comm: 'java',
    tasks: [{ tid: 12, comm: 'launcher-0', wchan: 'anon_pipe_read', syscall: '0 0xc 0x7f 0x4 0x0 0x0 0x0 0x7f 0x7f' }],
  });
  proc.set({ pid: 10, ppid: 9, comm: 'launcher-0', startTicks: 1000 });
  const config = resolveConfig({ procRoot: proc.root, ...over });
  return { proc, config, suspect: { pid: 10, startTimeMs: startTimeMsOf(1000), ppid: 9 } };
}

test('captureSuspect: kernel evidence, one capture per identity, the forking thread', async () => {
  const { config, suspect } = setup();
  const { run, calls } = fakeRun({});
  const c = createCapturer(config, { run, backends: [EU, GDB], arch: 'x64', platform: 'linux' });
  const first = await c.captureSuspect(suspect);
  assert.equal(first.gone, false);
  assert.equal(first.freshCapture, true);
  assert.equal(first.capture!.ok, true);
  assert.equal(first.capture!.outcome, 'ok');
  assert.equal(first.capture!.stack!.threads[0]!.frames.length, 3, 'parsed with src/capture/parse by default');
  assert.deepEqual(first.capture!.command, ['/usr/bin/eu-stack', '-m', '-p', '10']);
  assert.equal(first.kernel!.futexWaitPrivate, true);
  assert.deepEqual(first.forkingThread, {
    tid: 12,
    name: 'launcher-0',
    wchan: 'anon_pipe_read',
    syscall: '0 0xc 0x7f 0x4 0x0 0x0 0x0 0x7f 0x7f',
    candidates: 1,
    identifiedBy: 'comm',
  });
  assert.deepEqual(
    calls.map((x) => [x.command, x.opts.timeoutMs, x.opts.maxOutputBytes, x.opts.box?.env?.DEBUGINFOD_URLS]),
    [['/usr/bin/eu-stack', 10_000, 1_048_576, '']],
  );

  const second = await c.captureSuspect(suspect);
  assert.equal(second.freshCapture, false);
  assert.equal(second.capture, first.capture, 'the first capture is remembered, not redone');
  assert.equal(calls.length, 1);

  const other = await c.captureSuspect({ ...suspect, startTimeMs: suspect.startTimeMs + 60_000 });
  assert.equal(other.gone, true, 'a pid whose start time differs is another process: not captured');
  assert.equal(calls.length, 1);
});

test('recaptureAfter: captured again only once the interval has passed', async () => {
  const { config, suspect } = setup({ capture: { recaptureAfter: '1m' } });
  let now = 1_000_000;
  const { run, calls } = fakeRun({});
  const c = createCapturer(config, { run, backends: [EU], now: () => now, platform: 'linux' });
  await c.captureSuspect(suspect);
  now += 30_000;
  assert.equal((await c.captureSuspect(suspect)).freshCapture, false);
  now += 30_000;
  assert.equal((await c.captureSuspect(suspect)).freshCapture, true);
  assert.equal(calls.length, 2);
});

test('a failed tool falls through to the next; a refusal does not (every tool would be refused)', async () => {
  const { config, suspect } = setup();
  const failing = fakeRun((cmd) =>
    cmd.endsWith('eu-stack')
      ? { failed: true, exitCode: 1, stdout: '', stderr: 'eu-stack: dwfl error' }
      : { stdout: 'Thread 1 (LWP 10):\n#0  0x1 in __fork ()\n' },
  );
  const r1 = await createCapturer(config, { run: failing.run, backends: [EU, GDB], platform: 'linux' }).captureSuspect(
    suspect,
  );
  assert.deepEqual(
    failing.calls.map((c) => c.command),
    ['/usr/bin/eu-stack', '/usr/bin/gdb'],
  );
  assert.equal(r1.capture!.backend, 'gdb');
  assert.equal(r1.capture!.ok, true);

  const refusing = fakeRun({ stdout: '', stderr: 'ptrace: Operation not permitted.' });
  const r2 = await createCapturer(config, { run: refusing.run, backends: [GDB, EU], platform: 'linux' }).captureSuspect(
    suspect,
  );
  assert.equal(refusing.calls.length, 1);
  assert.equal(r2.capture!.outcome, 'refused');
  assert.match(r2.capture!.reason!, /ptrace refused/);
});

test('timeouts, a throwing runner, no backend, a vanished target: data, never a throw', async () => {
  const { config, suspect, proc } = setup();
  const slow = await captureStack(suspect, EU, {
    procRoot: proc.root,
    timeoutMs: 5,
    maxOutputBytes: 1024,
    linux: true,
    settleMs: 10,
    run: fakeRun({ failed: true, timedOut: true, signal: 'SIGKILL', stdout: '' }).run,
  });
  assert.deepEqual([slow.outcome, slow.timedOut, slow.ok], ['timeout', true, false]);
  assert.match(slow.reason!, /did not finish within 5 ms/);
  const thrown = await captureStack(suspect, EU, {
    procRoot: proc.root,
    timeoutMs: 5,
    maxOutputBytes: 1024,
    linux: true,
    run: () => Promise.reject(new Error('boom')),
  });
  assert.equal(thrown.outcome, 'failed');
  assert.match(thrown.reason!, /boom/);
  const none = await createCapturer(config, { backends: [], platform: 'linux' }).captureSuspect(suspect);
  assert.match(none.capture!.reason!, /no capture tool installed/);
  proc.remove(10);
  const gone = await captureStack(suspect, EU, {
    procRoot: proc.root,
    timeoutMs: 5,
    maxOutputBytes: 1024,
    linux: true,
    run: fakeRun({}).run,
  });
  assert.match(gone.reason!, /vanished before capture/);
});

test('a target already traced by someone else, or a zombie, is not attached', async () => {
  const { proc, suspect } = setup();
  const { run, calls } = fakeRun({});
  proc.set({ pid: 10, ppid: 9, startTicks: 1000, tracerPid: 555, state: 't' });
  const traced = await captureStack(suspect, EU, {
    procRoot: proc.root,
    timeoutMs: 5,
    maxOutputBytes: 1024,
    linux: true,
    run,
  });
  assert.equal(traced.outcome, 'refused');
  assert.match(traced.reason!, /already traced by pid 555/);
  proc.set({ pid: 10, ppid: 9, startTicks: 1000, state: 'Z' });
  const zombie = await captureStack(suspect, EU, {
    procRoot: proc.root,
    timeoutMs: 5,
    maxOutputBytes: 1024,
    linux: true,
    run,
  });
  assert.match(zombie.reason!, /zombie/);
  assert.equal(calls.length, 0);
});

test('at most capture.concurrency captures run at once', async () => {
  const proc = createFakeProc();
  const suspects = [20, 21, 22, 23, 24].map((pid) => {
    proc.set({ pid, ppid: 9, startTicks: 1000 });
    return { pid, startTimeMs: startTimeMsOf(1000), ppid: 9 };
  });
  let active = 0;
  let peak = 0;
  const { run } = fakeRun(async () => {
    peak = Math.max(peak, ++active);
    await new Promise((r) => setTimeout(r, 20));
    active--;
    return {};
  });
  const c = createCapturer(resolveConfig({ procRoot: proc.root, capture: { concurrency: 2 } }), {
    run,
    backends: [EU],
    platform: 'linux',
  });
  const results = await Promise.all(suspects.map((s) => c.captureSuspect(s)));
  assert.equal(peak, 2);
  assert.ok(results.every((r) => r.capture?.ok));
});

test('capture.enabled false: kernel evidence only; samples give the provably-blocked verdict', async () => {
  const { config, suspect } = setup({ capture: { enabled: false } });
  let now = 0;
  const { run, calls } = fakeRun({});
  const c = createCapturer(config, { run, backends: [EU], now: () => (now += 15_000), platform: 'linux', arch: 'x64' });
  const a = await c.captureSuspect(suspect);
  assert.equal(a.blocked.blocked, false);
  const b = await c.captureSuspect(suspect);
  assert.equal(b.blocked.blocked, true, b.blocked.reasons.join('; '));
  assert.equal(b.capture, null);
  assert.equal(calls.length, 0);
});

test('createLimiter runs queued tasks in order', async () => {
  const l = createLimiter(1);
  const order: number[] = [];
  await Promise.all([1, 2, 3].map((n) => l.run(async () => order.push(n))));
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(l.active, 0);
});

test('frames decide: a non-zero exit with frames is a stack; exit 0 without frames is a failure', async () => {
  const { proc, suspect } = setup();
  const opts = { procRoot: proc.root, timeoutMs: 1000, maxOutputBytes: 1 << 20, linux: true };
  const partial = await captureStack(suspect, EU, {
    ...opts,
    run: fakeRun({
      failed: true,
      exitCode: 1,
      stderr: 'eu-stack: dwfl_thread_getframes tid 11: no matching address range\n',
    }).run,
  });
  assert.equal(partial.ok, true);
  assert.match(partial.reason!, /exited 1: eu-stack: dwfl_thread_getframes/);
  const empty = await captureStack(suspect, GDB, {
    ...opts,
    run: fakeRun({ stdout: '', stderr: 'ptrace: No such process.\n' }).run,
  });
  assert.deepEqual([empty.ok, empty.outcome, empty.reason], [false, 'failed', 'process vanished during capture']);
  const noise = await captureStack(suspect, GDB, { ...opts, run: fakeRun({ stdout: 'not a stack at all\n' }).run });
  assert.equal(noise.outcome, 'failed');
  assert.match(noise.reason!, /no frames in its output/);
});

test('firstGapMs: a suspect met for the first time is sampled, then again after the gap, before any tracer; once per identity', async () => {
  const { proc, config, suspect } = setup();
  let now = 1_000_000;
  const events: string[] = [];
  const { run, calls } = fakeRun((cmd) => {
    events.push(`run ${cmd}`);
    return {};
  });
  let during: (() => void) | null = null;
  const c = createCapturer(config, {
    run,
    backends: [EU],
    now: () => now,
    platform: 'linux',
    arch: 'x64',
    sleep: async (ms) => {
      events.push(`sleep ${ms}`);
      now += ms;
      during?.();
    },
  });
  const opts = { skipIfProgressed: true, firstGapMs: 1000 };
  const first = await c.captureSuspect(suspect, opts);
  assert.deepEqual(events, ['sleep 1000', 'run /usr/bin/eu-stack'], 'the gap, then the tracer');
  assert.equal(first.freshCapture, true);
  assert.equal(first.progressed, null);
  assert.equal(first.blocked.blocked, true, 'two samples before the attach: the kernel proof holds');
  events.length = 0;
  await c.captureSuspect(suspect, opts);
  assert.deepEqual(events, [], 'no second gap for the same identity, no second capture');

  // A busy child (its CPU time grows over the gap) is not traced; one that exits in the gap is gone.
  proc.set({ pid: 11, ppid: 9, comm: 'launcher-1', startTicks: 1100, utime: 40 });
  during = () => proc.update(11, { utime: 95 });
  const busy = await c.captureSuspect({ pid: 11, startTimeMs: startTimeMsOf(1100), ppid: 9 }, opts);
  assert.match(busy.progressed ?? '', /^CPU time changed/);
  assert.equal(busy.freshCapture, false);
  assert.equal(busy.capture, null);
  // A lock wait that polls (a clock tick of CPU over the gap, under BUSY_CPU_SHARE) is still traced.
  proc.set({ pid: 13, ppid: 9, comm: 'launcher-3', startTicks: 1300, utime: 40 });
  during = () => proc.update(13, { utime: 41 });
  const polling = await c.captureSuspect({ pid: 13, startTimeMs: startTimeMsOf(1300), ppid: 9 }, opts);
  assert.equal(polling.progressed, null);
  assert.equal(polling.freshCapture, true);
  proc.set({ pid: 12, ppid: 9, comm: 'launcher-2', startTicks: 1200 });
  during = () => proc.remove(12);
  const gone = await c.captureSuspect({ pid: 12, startTimeMs: startTimeMsOf(1200), ppid: 9 }, opts);
  assert.equal(gone.gone, true);
  assert.equal(calls.length, 2, 'the blocked and the polling child were traced, the busy one not');
});

test('firstGapMs: the real wait ends when the tick deadline fires', async () => {
  const { config, suspect } = setup({ capture: { enabled: false } });
  const c = createCapturer(config, { backends: [EU], platform: 'linux', arch: 'x64' });
  const deadline = new AbortController();
  setTimeout(() => deadline.abort(), 20);
  const t0 = performance.now();
  const ev = await c.captureSuspect(suspect, { firstGapMs: 60_000, signal: deadline.signal });
  assert.ok(performance.now() - t0 < 5_000, `took ${Math.round(performance.now() - t0)} ms`);
  assert.equal(ev.gone, false);
});

test('threadDump: a thread dump that gives no Java stack says why, in the forking thread and the log, once', async () => {
  const { config, suspect } = setup({
    threadDump: { enabled: true, timeout: '3s' },
    tools: { jcmd: '/opt/jdk/bin/jcmd' },
  });
  const { run, calls } = fakeRun((cmd) =>
    cmd.endsWith('jcmd') ? { timedOut: true, failed: true, stdout: '', signal: 'SIGKILL' } : {},
  );
  const warned: { obj: Record<string, unknown>; msg: string }[] = [];
  const logger = {
    warn: (obj: Record<string, unknown>, msg: string) => warned.push({ obj, msg }),
    info: () => {},
    debug: () => {},
    error: () => {},
  } as unknown as import('../../src/util/logger.js').Logger;
  const c = createCapturer(config, {
    run,
    backends: [EU],
    arch: 'x64',
    platform: 'linux',
    logger,
    detect: { isExecutable: (p) => p === '/opt/jdk/bin/jcmd' },
  });
  const first = await c.captureSuspect(suspect);
  assert.equal(first.forkingThread!.tid, 12);
  assert.equal(first.forkingThread!.javaStack, undefined);
  assert.match(first.forkingThread!.javaStackReason ?? '', /^jcmd did not finish within 3000 ms: killed$/);
  assert.deepEqual(
    warned.map((w) => [w.obj.pid, w.obj.ppid, w.obj.reason]),
    [[10, 9, first.forkingThread!.javaStackReason]],
  );
  await c.captureSuspect(suspect);
  assert.equal(calls.filter((x) => x.command.endsWith('jcmd')).length, 1, 'one dump per forking thread');
  assert.equal(warned.length, 1);
});

test('threadDump: what jcmd said is kept printable (it may quote what the target answered)', async () => {
  const { config, suspect } = setup({ threadDump: { enabled: true }, tools: { jcmd: '/opt/jdk/bin/jcmd' } });
  const { run } = fakeRun((cmd) =>
    cmd.endsWith('jcmd')
      ? {
          failed: true,
          exitCode: 1,
          stdout: '9:\ncom.sun.tools.attach.AttachNotSupportedException: \x1b]0;owned\x07 no\n',
        }
      : {},
  );
  const c = createCapturer(config, {
    run,
    backends: [EU],
    arch: 'x64',
    platform: 'linux',
    detect: { isExecutable: (p) => p === '/opt/jdk/bin/jcmd' },
  });
  const ev = await c.captureSuspect(suspect);
  assert.equal(
    ev.forkingThread!.javaStackReason,
    'jcmd 9 Thread.print failed: com.sun.tools.attach.AttachNotSupportedException: ?]0;owned? no',
  );
});
