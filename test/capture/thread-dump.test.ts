import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  findForkingJavaThread,
  isForkingJavaThread,
  jenkinsJobFromThreadName,
  parseThreadDump,
  takeThreadDump,
} from '../../src/capture/thread-dump.js';
import type { RunResult } from '../../src/util/run-program.js';

// Real: `jcmd PID Thread.print` of test/helpers/java/ForkDeadlock.java (JDK 17), three threads in forkAndExec.
const REAL = readFileSync(
  new URL('../fixtures/capture/thread-dump/jcmd-thread-print-jdk17.txt', import.meta.url),
  'utf8',
);

test('parseThreadDump: the real JDK 17 dump', () => {
  const d = parseThreadDump(REAL);
  assert.deepEqual(d.warnings, []);
  assert.ok(d.threads.length > 10);
  const demo = d.threads.find((t) => t.name === 'SCM polling for demo-job')!;
  assert.equal(demo.nid, 0x3ee7);
  assert.equal(demo.state, 'RUNNABLE');
  assert.match(demo.frames[0]!, /^java\.lang\.ProcessImpl\.forkAndExec\(/);
  assert.deepEqual(
    d.threads.filter(isForkingJavaThread).map((t) => t.name),
    ['SCM polling for demo-job', 'SCM polling for other-job', 'launcher-0'],
  );
  assert.ok(d.threads.some((t) => t.name === 'main'));
});

test('findForkingJavaThread: by native tid first, else by comm prefix among forkAndExec threads', () => {
  const { threads } = parseThreadDump(REAL);
  assert.equal(findForkingJavaThread(threads, { tid: 0x3ef3 })!.name, 'SCM polling for other-job');
  assert.equal(findForkingJavaThread(threads, { comm: 'launcher-0' })!.name, 'launcher-0');
  assert.equal(
    findForkingJavaThread(threads, { comm: 'SCM polling for' }),
    null,
    'two pollers: ambiguous without the tid',
  );
  assert.equal(findForkingJavaThread([], { tid: 1 }), null);
});

test('jenkinsJobFromThreadName: plain and AbstractItem.toString forms', () => {
  assert.equal(jenkinsJobFromThreadName('SCM polling for demo-job'), 'demo-job');
  assert.equal(
    jenkinsJobFromThreadName('SCM polling for hudson.model.FreeStyleProject@5a2e4553[folder/demo-job]'),
    'folder/demo-job',
  );
  assert.equal(jenkinsJobFromThreadName('launcher-0'), null);
  assert.equal(jenkinsJobFromThreadName('SCM polling for '), null);
});

test('parseThreadDump is total: garbage, empty, a huge line, decimal nid (JDK 19+)', () => {
  assert.deepEqual(parseThreadDump(''), { threads: [], warnings: [] });
  assert.equal(parseThreadDump('\u0000\u0001 not a dump').warnings.length, 1);
  const t = parseThreadDump(`"x${'y'.repeat(100_000)}" nid=12 runnable\n\tat a.B.c(B.java:1)\n`);
  assert.equal(t.threads.length, 1);
  assert.equal(parseThreadDump('"worker" #3 prio=5 os_prio=0 tid=0x1 nid=4242 waiting\n').threads[0]!.nid, 4242);
  assert.equal(parseThreadDump('"unterminated\n\tat x.Y.z(Native Method)\n').threads[0]!.frames.length, 1);
});

test('takeThreadDump runs jcmd with an argument array, timeout and cap; failures are data', async () => {
  const calls: unknown[] = [];
  const fake =
    (stdout: string, o: Partial<RunResult> = {}) =>
    async (command: string, args: string[], opts: object): Promise<RunResult> => {
      calls.push({ command, args, opts });
      return {
        command,
        args,
        failed: false,
        timedOut: false,
        truncated: false,
        notFound: false,
        exitCode: 0,
        signal: null,
        stdout,
        stderr: '',
        durationMs: 1,
        cause: null,
        ...o,
      };
    };
  const ok = await takeThreadDump(7, {
    jcmdPath: '/usr/bin/jcmd',
    timeoutMs: 500,
    maxOutputBytes: 1 << 20,
    run: fake(REAL),
    linux: false,
  });
  assert.equal(ok.ok, true);
  const call = calls[0] as {
    command: string;
    args: string[];
    opts: { timeoutMs: number; maxOutputBytes: number; box: { limits: { addressSpaceBytes: number | null } } };
  };
  assert.deepEqual(
    [call.command, call.args, call.opts.timeoutMs, call.opts.maxOutputBytes],
    ['/usr/bin/jcmd', ['7', 'Thread.print'], 500, 1 << 20],
  );
  assert.equal(call.opts.box.limits.addressSpaceBytes, null, 'jcmd is a JVM: no address-space limit');
  const refused = await takeThreadDump(7, {
    linux: false,
    jcmdPath: '/usr/bin/jcmd',
    timeoutMs: 500,
    maxOutputBytes: 1024,
    run: fake('7:\ncom.sun.tools.attach.AttachNotSupportedException: Unable to open socket file\n', {
      failed: true,
      exitCode: 1,
    }),
  });
  assert.equal(refused.ok, false);
  assert.match(refused.reason!, /AttachNotSupportedException/);
  const slow = await takeThreadDump(7, {
    jcmdPath: '/usr/bin/jcmd',
    timeoutMs: 5,
    maxOutputBytes: 1024,
    run: fake('', { failed: true, timedOut: true }),
    linux: false,
  });
  assert.match(slow.reason!, /did not finish within 5 ms/);
  const unresolved = await takeThreadDump(7, {
    jcmdPath: '',
    timeoutMs: 5,
    maxOutputBytes: 1024,
    run: fake(REAL),
    linux: false,
  });
  assert.match(unresolved.reason!, /jcmd unavailable: tools.jcmd was not found at start/);
});
