/**
 * Live: the pasted-format readers on today's tools, not only on the stored
 * captures. lldb on the suite's deadlocked C child (with and without libc6-dbg)
 * and on the JVM reproducer's hung child; `jhsdb jstack --mixed` on the JVM
 * and on its hung child; jstack and jcmd Thread.print on the JVM. Each output
 * is read by its reader (detected, frames found) and the hung ones match
 * glibc-atfork-child-lock, the decoy nothing, the JVM only the forkAndExec
 * note. gdb on the C parent and its hung child together (two inferiors), and
 * their two backtraces pasted one after the other: the child is its own process. A missing lldb, jhsdb, jstack or jcmd fails the test (.ci/run
 * installs them).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startDeadlocker, type Deadlocker } from '../../../helpers/deadlocker.js';
import { startForkDeadlockJvm, type ForkDeadlockJvm } from '../../../helpers/jvm.js';
import { requireTool } from '../../../helpers/native-build.js';
import { parseStack } from '../../../../src/capture/parse/index.js';
import type { ParsedStack } from '../../../../src/capture/types.js';
import { loadSignatures, matchSignatures } from '../../../../src/match/index.js';

const library = loadSignatures().signatures;
let c: Deadlocker;
let jvm: ForkDeadlockJvm;
let jvmChild: number;

before(async () => {
  requireTool('lldb', ['--version']);
  requireTool('jhsdb', ['--help']);
  requireTool('jstack', ['-h']);
  requireTool('jcmd', ['-h']);
  c = await startDeadlocker({ hung: 1, threads: 2 });
  jvm = await startForkDeadlockJvm();
  jvmChild = (await jvm.waitForHungChildren(1, 60_000))[0]!;
});
after(async () => {
  await c?.stop();
  await jvm?.stop();
});

/** stdout of a tracer (argument array, timeout, output cap); a non-zero exit with output still counts. */
function run(tool: string, args: string[]): string {
  const env = { ...process.env };
  delete env.DEBUGINFOD_URLS;
  try {
    return execFileSync(tool, args, {
      env,
      timeout: 120_000,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 8 << 20,
    });
  } catch (err) {
    const e = err as { stdout?: string };
    if (!e.stdout) throw err;
    return e.stdout;
  }
}

function assertRead(text: string, format: string): ParsedStack {
  const p = parseStack(text);
  assert.equal(p.format, format, `read as ${p.format}: ${p.warnings.join('; ')}\n${text.slice(0, 2000)}`);
  assert.ok(p.threads.length > 0 && p.threads.every((t) => t.frames.length > 0), 'every thread has frames');
  return p;
}

function assertHung(p: ParsedStack): void {
  const m = matchSignatures(p.threads, library);
  assert.equal(
    m.matches[0]?.signatureId,
    'glibc-atfork-child-lock',
    JSON.stringify(p.threads[0]?.frames.map((f) => f.normalized)),
  );
  assert.ok(m.deadlock);
}

test('lldb on the hung C child, with and without libc6-dbg: read as lldb, glibc atfork lock', () => {
  const hung = String(c.pidsOf('hung')[0]);
  const withSymbols = assertRead(run('lldb', ['-p', hung, '--batch', '-o', 'thread backtrace all']), 'lldb');
  assert.equal(withSymbols.threads.length, 1, 'the stop report and the backtrace are one thread');
  assert.equal(withSymbols.threads[0]!.frames[0]!.normalized, 'lll_lock_wait');
  assertHung(withSymbols);
  const without = assertRead(
    run('lldb', ['-O', 'settings set symbols.enable-external-lookup false', '-p', hung, '--batch', '-o', 'bt all']),
    'lldb',
  );
  assert.ok(
    without.threads[0]!.frames.some((f) => f.fn === null),
    'unnamed libc symbols are fn null',
  );
  assertHung(without);
});

test('lldb on the C parent (a decoy): every thread read, no signature', () => {
  const p = assertRead(run('lldb', ['-p', String(c.pid), '--batch', '-o', 'bt all']), 'lldb');
  assert.ok(p.threads.length >= 3, `${p.threads.length} threads`);
  const m = matchSignatures(p.threads, library);
  assert.deepEqual(m.matches, []);
});

test('gdb with the C parent and its hung child as two inferiors, and two thread apply all bt pasted one after the other: the child is a process of its own', () => {
  requireTool('gdb', ['--version']);
  const hung = c.pidsOf('hung')[0]!;
  // one gdb on both: the parent is inferior 1, the child attached as inferior 2 (thread ids 1.N and 2.1)
  const both = assertRead(
    run('gdb', [
      '-batch',
      '-nx',
      '-p',
      String(c.pid),
      '-ex',
      'add-inferior',
      '-ex',
      'inferior 2',
      '-ex',
      `attach ${hung}`,
      '-ex',
      'thread apply all bt',
    ]),
    'gdb',
  );
  const child = both.threads.filter((t) => t.tid === hung);
  assert.equal(child.length, 1, 'the child read once');
  assert.ok(
    both.threads.every((t) => (t.process === child[0]!.process) === (t.tid === hung)),
    `the child alone in its process: ${JSON.stringify(both.threads.map((t) => [t.process, t.tid]))}`,
  );
  assertHung(both);
  // each gdb numbers its threads from 1: pasted as the reporter would, the backtraces only
  const backtraces = (pid: number): string =>
    run('gdb', ['-batch', '-nx', '-p', String(pid), '-ex', 'thread apply all bt'])
      .split('\n')
      .filter((l) => /^(?:Thread \d|#\d|$)/.test(l))
      .join('\n');
  const pasted = assertRead(`${backtraces(c.pid)}\n\n${backtraces(hung)}`, 'gdb');
  const last = pasted.threads[pasted.threads.length - 1]!;
  assert.equal(last.tid, hung);
  assert.equal(
    pasted.threads.filter((t) => t.process === last.process).length,
    1,
    'the child is a process of one thread',
  );
  assertHung(pasted);
});

test('lldb on the JVM hung child: read as lldb, the JVM frames kept, glibc atfork lock', () => {
  const p = assertRead(run('lldb', ['-p', String(jvmChild), '--batch', '-o', 'thread backtrace all']), 'lldb');
  assert.ok(p.threads[0]!.frames.some((f) => f.normalized === 'Java_java_lang_ProcessImpl_forkAndExec'));
  assertHung(p);
});

test('jhsdb jstack --mixed, jstack and jcmd on the JVM, jhsdb on its hung child: the JVM gets the forkAndExec note', () => {
  const parent = assertReadBlocks(run('jhsdb', ['jstack', '--mixed', '--pid', String(jvm.pid)]));
  assert.equal(parent.pid, jvm.pid);
  assert.ok(
    parent.threads.some(
      (t) =>
        t.name === 'SCM polling for demo-job' &&
        t.frames.some((f) => f.normalized === 'java.lang.ProcessImpl.forkAndExec'),
    ),
  );
  // the parent's side of the hang: an info note on the polling thread reading the fail-pipe, no deadlock
  const pm = matchSignatures(parent.threads, library);
  assert.deepEqual(
    pm.matches.map((m) => [m.signatureId, parent.threads[m.threadIndex]!.name]),
    [['jdk-parent-waits-in-forkandexec', 'SCM polling for demo-job']],
  );
  assert.equal(pm.deadlock, false);
  // the same JVM through jstack and jcmd Thread.print (Java frames only): read as jstack, the same note
  for (const [tool, args] of [
    ['jstack', [String(jvm.pid)]],
    ['jcmd', [String(jvm.pid), 'Thread.print']],
  ] as const) {
    const dump = parseStack(run(tool, [...args]));
    assert.equal(dump.format, 'jstack', tool);
    const jm = matchSignatures(dump.threads, library);
    assert.deepEqual(
      jm.matches.map((m) => [m.signatureId, dump.threads[m.threadIndex]!.name]),
      [['jdk-parent-waits-in-forkandexec', 'SCM polling for demo-job']],
      tool,
    );
  }
  const child = assertReadBlocks(run('jhsdb', ['jstack', '--mixed', '--pid', String(jvmChild)]));
  assert.deepEqual(
    child.threads.map((t) => t.tid),
    [jvmChild],
    'the one thread the fork left',
  );
  assert.equal(child.threads[0]!.frames[0]!.normalized, 'lll_lock_wait');
});

/** jhsdb prints a block for every LWP, some without frames (no registers): those are kept with their tid. */
function assertReadBlocks(text: string): ParsedStack {
  const p = parseStack(text);
  assert.equal(p.format, 'hotspot', `${p.warnings.join('; ')}\n${text.slice(0, 2000)}`);
  assert.ok(p.threads.some((t) => t.frames.length > 0));
  return p;
}
