/**
 * The parent's side of a hung fork, as info notes, never a deadlock: a
 * goroutine reading the exec pipe in syscall.forkExec (signatures/go.yaml, on
 * the public tuning corpus's real Go dump), libuv's uv_spawn reading its
 * child's exec pipe (libuv.yaml), the JDK suspended in vfork (jdk.yaml; its
 * fail-pipe read and Java frames are tested in forked-child.test.ts,
 * fixtures.test.ts and live; Python's in python.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import { parseStack } from '../../src/capture/parse/index.js';
import { loadSignatures, matchSignatures } from '../../src/match/index.js';
import { dumpOf } from './corpus-verdicts.js';

const lib = loadSignatures().signatures;

test("Go: the public dump of a goroutine 387 minutes in syscall.forkExec's pipe read gets the parent's note, no deadlock", () => {
  const text = dumpOf(
    readFileSync(join(REPO_ROOT, 'test/fixtures/stacks/public/go-17033-goroutine-parent-reads-exec-pipe.txt'), 'utf8'),
  );
  const m = matchSignatures(parseStack(text).threads, lib);
  assert.deepEqual(
    m.matches.map((x) => [x.signatureId, x.severity]),
    [['go-parent-waits-in-forkexec', 'info']],
  );
  assert.equal(m.deadlock, false);
});

test('Go: readlen elsewhere (a file read) is no note', () => {
  const text = [
    'goroutine 12 [syscall]:',
    'syscall.Syscall(0x0, 0x3, 0xc000100000, 0x200)',
    '\t/usr/lib/go/src/syscall/syscall_linux.go:69 +0x5',
    'syscall.readlen(0x3, 0xc000100000, 0x200)',
    '\t/usr/lib/go/src/syscall/zsyscall_linux_amd64.go:1041 +0x56',
    'main.readConfig(0x3)',
    '\t/srv/app/main.go:20 +0x3e',
  ].join('\n');
  assert.deepEqual(matchSignatures(parseStack(text).threads, lib).matches, []);
});

test('libuv (Node.js child_process) and the JDK in VFORK mode: a parent reading the exec pipe or suspended in vfork gets its note', () => {
  const notes = (text: string): string[] =>
    matchSignatures(parseStack(text).threads, lib).matches.map((m) => m.signatureId);
  const node = [
    'Thread 1 (Thread 0x7f3c4b1f7740 (LWP 4001) "node"):',
    '#0  0x00007f3c4b3a2e2d in __libc_read (fd=23, buf=0x7ffd, nbytes=4) at ../sysdeps/unix/sysv/linux/read.c:26',
    '#1  0x000055d1c1e3b1f2 in uv__spawn_and_init_child (loop=0x55d1c3a0, options=0x7ffd, stdio_count=3, pipes=0x7ffd, pid=0x7ffd) at ../deps/uv/src/unix/process.c:1012',
    '#2  0x000055d1c1e3b6a1 in uv_spawn (loop=0x55d1c3a0, process=0x55d1c4, options=0x7ffd) at ../deps/uv/src/unix/process.c:1098',
  ].join('\n');
  assert.deepEqual(notes(node), ['libuv-parent-waits-in-spawn']);
  // libuv's read of something else (a stream's data) is no note
  assert.deepEqual(notes(node.replace(/uv__spawn_and_init_child|uv_spawn/g, 'uv__read')), []);
  const vfork = [
    'Thread 12 (Thread 0x7f6e1eafd700 (LWP 19870) "SCM polling for"):',
    '#0  0x00007f6e7566f2ec in vfork () from /lib/x86_64-linux-gnu/libc.so.6',
    '#1  0x00007f6e7040c521 in startChild () from /usr/lib/jvm/java-11-openjdk-amd64/lib/libjava.so',
    '#2  0x00007f6e7040cf21 in Java_java_lang_ProcessImpl_forkAndExec () from /usr/lib/jvm/java-11-openjdk-amd64/lib/libjava.so',
  ].join('\n');
  const m = matchSignatures(parseStack(vfork).threads, lib);
  assert.deepEqual(
    m.matches.map((x) => x.signatureId),
    ['jdk-parent-waits-in-forkandexec'],
  );
  assert.equal(m.deadlock, false);
});
