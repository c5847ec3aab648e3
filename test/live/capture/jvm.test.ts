/**
 * Live JVM: the suite's stand-in Jenkins (ForkDeadlock.java, FORK launch
 * mechanism, atfork-deadlock LD_PRELOAD) hangs three children; forkwatch's
 * capture stage finds them by image (exe + cmdline equal to the JVM's),
 * captures each with every installed backend (glibc-atfork signature, target
 * unharmed), proves them blocked from /proc alone, and names the JVM thread
 * that forked each: by comm and fail pipe, and with a thread dump its Java
 * name and Jenkins job. Killing a hung child makes its start() return.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startForkDeadlockJvm, type ForkDeadlockJvm } from '../../helpers/jvm.js';
import { requireTool } from '../../helpers/native-build.js';
import { procHealth } from '../../helpers/proc-health.js';
import { detectBackends } from '../../../src/capture/backends.js';
import { captureStack } from '../../../src/capture/capture-stack.js';
import { createCapturer, type Suspect } from '../../../src/capture/capturer.js';
import { readStartTimeMs } from '../../../src/capture/identity.js';
import { resolveConfig } from '../../../src/config/load.js';
import { loadSignatures } from '../../../src/match/load.js';
import { matchSignatures } from '../../../src/match/matcher.js';

const NAMES = ['SCM polling for demo-job', 'SCM polling for other-job', 'launcher-0'];
let jvm: ForkDeadlockJvm;
let hung: number[];

before(async () => {
  requireTool('eu-stack');
  requireTool('gdb');
  requireTool('jcmd', ['-h']);
  jvm = await startForkDeadlockJvm({ threadNames: NAMES });
  // The program forks one thread at a time, so pid order is NAMES order.
  hung = (await jvm.waitForHungChildren(NAMES.length, 60_000)).sort((a, b) => a - b);
});
after(() => jvm?.stop());

const suspect = (pid: number): Suspect => ({ pid, startTimeMs: readStartTimeMs('/proc', pid)!, ppid: jvm.pid });

test("the hung children have the JVM's image, and the forking thread's name as comm", () => {
  assert.equal(hung.length, 3);
  assert.deepEqual(
    hung.map((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim()),
    ['SCM polling for', 'SCM polling for', 'launcher-0'],
  );
  assert.equal(jvm.lines.filter((l) => l.kind === 'started').length, 0, 'no start() has returned');
});

test('every installed backend captures each hung child: preload atfork frames under forkAndExec, glibc-atfork signature, unharmed', async () => {
  const lib = loadSignatures();
  for (const b of detectBackends(resolveConfig({}))) {
    for (const pid of hung) {
      const was = procHealth(pid);
      const r = await captureStack(suspect(pid), b, { procRoot: '/proc', timeoutMs: 10_000, maxOutputBytes: 1 << 20 });
      assert.equal(r.ok, true, `${b.name} ${pid}: ${r.reason}`);
      const fns = r.stack!.threads.flatMap((t) => t.frames.map((f) => f.normalized ?? ''));
      for (const fn of [
        'forkwatch_preload_take_lock',
        'forkwatch_preload_atfork_child',
        'Java_java_lang_ProcessImpl_forkAndExec',
      ]) {
        assert.ok(fns.includes(fn), `${b.name}: ${fn} in ${fns.slice(0, 10).join(' < ')}`);
      }
      const m = matchSignatures(r.stack!.threads, lib.signatures);
      assert.ok(
        m.matches.some((x) => x.signatureId === 'glibc-atfork-child-lock'),
        `${b.name}: ${m.matches.map((x) => x.signatureId).join()}`,
      );
      assert.equal(m.deadlock, true);
      const now = procHealth(pid);
      assert.equal(now.startTicks, was.startTicks);
      assert.ok(now.state === 'S', `${b.name}: state ${now.state}`);
      assert.equal(now.tracerPid, 0);
    }
  }
});

test('capturer without a thread dump: forking JVM thread by comm, told apart by the fail pipe; provably blocked from /proc', async () => {
  let clock = Date.now();
  const cfg = resolveConfig({ capture: { enabled: false } });
  const c = createCapturer(cfg, { now: () => (clock += 15_000) });
  const first = await Promise.all(hung.map((p) => c.captureSuspect(suspect(p))));
  const second = await Promise.all(hung.map((p) => c.captureSuspect(suspect(p))));
  const tids = new Set<number>();
  first.forEach((ev, i) => {
    const ft = ev.forkingThread!;
    assert.equal(ft.name, i < 2 ? 'SCM polling for' : 'launcher-0');
    assert.equal(ft.identifiedBy, i < 2 ? 'pipe' : 'comm');
    assert.equal(ft.wchan, 'anon_pipe_read', 'the forker waits on the fail pipe');
    assert.match(ft.syscall!, /^0 /, 'read(2)');
    assert.equal(readFileSync(`/proc/${jvm.pid}/task/${ft.tid}/comm`, 'utf8').trim(), ft.name);
    tids.add(ft.tid);
    assert.equal(ev.kernel!.futexWaitPrivate, true);
    assert.equal(ev.blocked.blocked, false, 'one sample proves nothing');
  });
  assert.equal(tids.size, 3, 'three different forking threads');
  for (const ev of second) assert.equal(ev.blocked.blocked, true, ev.blocked.reasons.join('; '));
});

test('capturer with a thread dump: Java thread name and Jenkins job of each forking thread', async () => {
  const c = createCapturer(resolveConfig({ threadDump: { enabled: true } }));
  const evs = await Promise.all(hung.map((p) => c.captureSuspect(suspect(p))));
  assert.deepEqual(
    evs.map((e) => [e.forkingThread?.javaName, e.forkingThread?.jenkinsJob, e.forkingThread?.identifiedBy]),
    [
      ['SCM polling for demo-job', 'demo-job', 'thread-dump'],
      ['SCM polling for other-job', 'other-job', 'thread-dump'],
      ['launcher-0', null, 'thread-dump'],
    ],
  );
  assert.match(evs[0]!.forkingThread!.javaStack![0]!, /^java\.lang\.ProcessImpl\.forkAndExec\(/);
  for (const e of evs) {
    assert.equal(e.capture!.ok, true, e.capture!.reason ?? '');
    assert.equal(e.capture!.backend, 'eu-stack');
  }
});

test("killing a hung child makes its thread's ProcessBuilder.start() return (what remediation relies on)", async () => {
  process.kill(hung[0]!, 'SIGKILL');
  const line = await jvm.waitForLine((l) => l.kind === 'started', 20_000);
  assert.equal(line.fields[0], 'SCM polling for demo-job');
  assert.equal(line.fields[1], String(hung[0]), 'start() returned with the killed child as its Process');
  assert.equal(jvm.lines.filter((l) => l.kind === 'started').length, 1, 'the others are still hung');
});
