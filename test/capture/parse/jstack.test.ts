/**
 * Java thread dumps (src/capture/parse/jstack.ts): jstack / jcmd
 * Thread.print (JDK 8-21 headers), Jenkins's thread dump, and jhsdb's
 * non-mixed jstack. The golden files under test/fixtures/stacks/jstack
 * (real captures of the suite's JVM reproducer) hold the whole shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectStackFormat, parseStack } from '../../../src/capture/parse/index.js';

test('jstack: a thread per header, its tid the native id (nid hex, nid decimal, JDK 19+ [N]); at frames with file and line', () => {
  const text = [
    'Full thread dump OpenJDK 64-Bit Server VM (21.0.2+13 mixed mode, sharing):',
    '',
    '"SCM polling for job" #12 daemon prio=5 os_prio=0 cpu=3.10ms elapsed=9.81s tid=0x00007f6e6c0ecdc0 nid=0x4d9e runnable  [0x00007f6e1eafd000]',
    '   java.lang.Thread.State: RUNNABLE',
    '\tat java.lang.ProcessImpl.forkAndExec(java.base@21.0.2/Native Method)',
    '\tat java.lang.ProcessImpl.<init>(java.base@21.0.2/ProcessImpl.java:314)',
    '\t- locked <0x00000000c0a1b2c8> (a java.lang.Object)',
    '',
    '"main" #1 [19856] prio=5 os_prio=0 cpu=48.92ms elapsed=9.90s tid=0x00007f6e6c02a6b0 nid=19856 waiting on condition  [0x00007f6e72dfe000]',
    '   java.lang.Thread.State: TIMED_WAITING (sleeping)',
    '\tat java.lang.Thread.sleep0(java.base@21.0.2/Native Method)',
    '',
    '"VM Thread" os_prio=0 cpu=2.01ms elapsed=9.91s tid=0x00007f6e6c0b1230 nid=0x4d81 runnable',
    '',
    'JNI global refs: 15, weak refs: 0',
  ].join('\n');
  assert.equal(detectStackFormat(text), 'jstack');
  const s = parseStack(text);
  assert.equal(s.format, 'jstack');
  assert.deepEqual(
    s.threads.map((t) => [t.tid, t.name, t.frames.map((f) => [f.normalized, f.source ?? null])]),
    [
      [
        0x4d9e,
        'SCM polling for job',
        [
          ['java.lang.ProcessImpl.forkAndExec', null],
          ['java.lang.ProcessImpl.<init>', 'ProcessImpl.java:314'],
        ],
      ],
      [19856, 'main', [['java.lang.Thread.sleep0', null]]],
    ],
    "the VM's own threads (no Java frame) are left out; lock notes are not frames",
  );
});

test("jstack: Jenkins's thread dump (Id=, Group=, the state on the header) and jcmd's leading pid", () => {
  const jenkins = [
    '"SCM polling for hudson.model.FreeStyleProject@1a2b3c[app]" Id=85 Group=main RUNNABLE (in native)',
    '\tat java.lang.UNIXProcess.forkAndExec(Native Method)',
    '\tat java.lang.UNIXProcess.<init>(UNIXProcess.java:247)',
    '',
    '"jenkins.util.Timer [#3]" Id=45 Group=main TIMED_WAITING on java.util.concurrent.locks.AbstractQueuedSynchronizer$ConditionObject@5d1e3a9b',
    '\tat sun.misc.Unsafe.park(Native Method)',
    '\t-  waiting on java.util.concurrent.locks.AbstractQueuedSynchronizer$ConditionObject@5d1e3a9b',
  ].join('\n');
  assert.equal(detectStackFormat(jenkins), 'jstack');
  assert.deepEqual(
    parseStack(jenkins).threads.map((t) => [t.tid, t.name, t.frames.length]),
    [
      [null, 'SCM polling for hudson.model.FreeStyleProject@1a2b3c[app]', 2],
      [null, 'jenkins.util.Timer [#3]', 1],
    ],
  );
  const jcmd = `4373:\n${jenkins}`;
  assert.equal(parseStack(jcmd).pid, 4373);
});

test('jstack: jhsdb jstack without --mixed: its - method(args) @bci frames, the line as the source', () => {
  const sa = [
    'Attaching to process ID 4373, please wait...',
    'Debugger attached successfully.',
    '"SCM polling for demo-job" #12 prio=5 tid=0x00007fcc78114720 nid=0x1124 runnable [0x00007fcc1f7fd000]',
    '   java.lang.Thread.State: RUNNABLE',
    '   JavaThread state: _thread_in_native',
    ' - java.lang.ProcessImpl.forkAndExec(int, byte[], byte[], byte[], int, byte[], int, byte[], int[], boolean) @bci=0 (Interpreted frame)',
    ' - java.lang.ProcessImpl.<init>(byte[], byte[], int, byte[], int, byte[], int[], boolean, boolean) @bci=30, line=314 (Interpreted frame)',
    '\t- locked <0x00000000fc1117b0> (a java.lang.Object)',
  ].join('\n');
  assert.equal(detectStackFormat(sa), 'jstack');
  const s = parseStack(sa);
  assert.equal(s.pid, 4373);
  assert.deepEqual(
    s.threads[0]!.frames.map((f) => [f.normalized, f.source ?? null]),
    [
      ['java.lang.ProcessImpl.forkAndExec', null],
      ['java.lang.ProcessImpl.<init>', 'line 314'],
    ],
  );
});

test('jstack: an Android ANR trace (Java at frames, native frames, no nid=) stays debuggerd', () => {
  const anr = [
    '"main" prio=5 tid=1 Native',
    '  | group="main" sCount=1 ucsCount=0 flags=1 obj=0x72f8a0c8 self=0xb400007a',
    '  | sysTid=22980 nice=-10 cgrp=top-app sched=0/0 handle=0x7b52a1e4f8',
    '  native: #00 pc 000000000004e4f4  /system/lib64/libc.so (syscall+36)',
    '  at android.os.MessageQueue.nativePollOnce(Native method)',
    '  at android.os.MessageQueue.next(MessageQueue.java:335)',
    '  at android.os.Looper.loop(Looper.java:183)',
    '  at android.app.ActivityThread.main(ActivityThread.java:7656)',
  ].join('\n');
  assert.equal(detectStackFormat(anr), 'debuggerd');
});

test("jstack: JDK 8's jstack -F (Thread N: (state = …) headers, no names) and a Java Service Wrapper's jvm 1 | prefix", () => {
  const forced = [
    'Attaching to process ID 23650, please wait...',
    'Debugger attached successfully.',
    'Thread 23668: (state = IN_NATIVE)',
    ' - java.lang.UNIXProcess.forkAndExec(int, byte[], byte[], byte[], int, byte[], int, byte[], int[], boolean) @bci=0 (Interpreted frame)',
    ' - java.lang.UNIXProcess.<init>(byte[], byte[], int, byte[], int, byte[], int[], boolean) @bci=62, line=247 (Interpreted frame)',
    '',
    'Thread 23667: (state = BLOCKED)',
    ' - sun.misc.Unsafe.park(boolean, long) @bci=0 (Interpreted frame)',
  ].join('\n');
  assert.equal(detectStackFormat(forced), 'jstack');
  const f = parseStack(forced);
  assert.equal(f.pid, 23650);
  assert.deepEqual(
    f.threads.map((t) => [t.tid, t.name, t.frames.length]),
    [
      [23668, null, 2],
      [23667, null, 1],
    ],
  );
  const wrapped = [
    'jvm 1    | "build-runner-3" daemon prio=6 tid=0x36e7d000 nid=0xc10 runnable [0x3943f000]',
    'jvm 1    |    java.lang.Thread.State: RUNNABLE',
    'jvm 1    |      at java.lang.UNIXProcess.forkAndExec(Native Method)',
    'jvm 1    |      at java.lang.UNIXProcess.<init>(UNIXProcess.java:135)',
  ].join('\n');
  assert.equal(detectStackFormat(wrapped), 'jstack');
  assert.deepEqual(
    parseStack(wrapped).threads.map((t) => [t.tid, t.name, t.frames.map((x) => x.normalized)]),
    [[0xc10, 'build-runner-3', ['java.lang.UNIXProcess.forkAndExec', 'java.lang.UNIXProcess.<init>']]],
  );
  // the wrapper's log file puts a level and a time around it
  const logged = wrapped.replaceAll('jvm 1    | ', 'INFO   | jvm 1    | 2024/03/01 10:00:00 | ');
  assert.equal(parseStack(logged).threads[0]!.frames.length, 2);
});
