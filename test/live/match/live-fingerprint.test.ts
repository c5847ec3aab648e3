/**
 * Live: one fingerprint per hang. The suite's hung C child and the stand-in
 * Jenkins JVM's hung children (FORK launch mechanism, atfork-deadlock
 * preload) are captured NOW by eu-stack and by gdb, each with libc debug
 * symbols (libc6-dbg) and pointed away from them; every capture of one hang
 * gives the same fingerprint, the JVM's three children (one hang, three
 * times) share it, and the C child's differs from the JVM's. A missing tool
 * fails the test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { requireTool } from '../../helpers/native-build.js';
import { startDeadlocker, type Deadlocker } from '../../helpers/deadlocker.js';
import { startForkDeadlockJvm, type ForkDeadlockJvm } from '../../helpers/jvm.js';
import { parseStack } from '../../../src/capture/parse/index.js';
import { hangNames, loadSignatures, matchSignatures } from '../../../src/match/index.js';

const lib = loadSignatures().signatures;
const NO_DEBUG_GDB = ['-iex', 'set debug-file-directory /nonexistent', '-iex', 'set debuginfod enabled off'];
const SHOTS: Record<string, (pid: number) => [string, string[]]> = {
  'eu-stack': (pid) => ['eu-stack', ['-p', String(pid)]],
  'eu-stack -v -m (inlines, modules)': (pid) => ['eu-stack', ['-v', '-m', '-p', String(pid)]],
  'eu-stack, no debuginfo': (pid) => ['eu-stack', ['--debuginfo-path=/nonexistent', '-m', '-p', String(pid)]],
  gdb: (pid) => ['gdb', ['-batch', '-nx', '-ex', 'thread apply all bt', '-p', String(pid)]],
  'gdb, no debuginfo': (pid) => [
    'gdb',
    ['-batch', '-nx', ...NO_DEBUG_GDB, '-ex', 'thread apply all bt', '-p', String(pid)],
  ],
};

function capture(shot: string, pid: number): string {
  const [cmd, args] = SHOTS[shot]!(pid);
  const env = { ...process.env };
  delete env.DEBUGINFOD_URLS;
  try {
    return execFileSync(cmd, args, {
      env,
      timeout: 60_000,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout;
    if (out) return out; // eu-stack exits 1 when some frames had errors, yet prints them
    throw err;
  }
}

/** Fingerprint of each shot of each pid, with the names hashed (for the message when they differ). */
function fingerprints(
  pids: number[],
): { shot: string; pid: number; fingerprint: string; names: string[]; signature: string | undefined }[] {
  return pids.flatMap((pid) =>
    Object.keys(SHOTS).map((shot) => {
      const stack = parseStack(capture(shot, pid));
      const m = matchSignatures(stack.threads, lib, { forkedChild: true });
      const t = stack.threads[m.matches[0]?.threadIndex ?? 0];
      return {
        shot,
        pid,
        fingerprint: m.fingerprint,
        names: hangNames(t?.frames ?? []),
        signature: m.matches[0]?.signatureId,
      };
    }),
  );
}

function assertOne(all: ReturnType<typeof fingerprints>): string {
  const distinct = new Set(all.map((x) => x.fingerprint));
  assert.equal(
    distinct.size,
    1,
    all.map((x) => `${x.pid} ${x.shot}: ${x.fingerprint} ${JSON.stringify(x.names)}`).join('\n'),
  );
  for (const x of all) assert.equal(x.signature, 'glibc-atfork-child-lock', `${x.pid} ${x.shot}`);
  return [...distinct][0]!;
}

let cFingerprint = '';

describe('live C reproducer', () => {
  let d: Deadlocker;
  before(async () => {
    requireTool('eu-stack');
    requireTool('gdb');
    assert.ok(
      existsSync('/usr/lib/debug/.build-id'),
      'libc6-dbg installed (the "with debug symbols" captures need it)',
    );
    d = await startDeadlocker({ hung: 2, threads: 2 });
  });
  after(async () => {
    await d?.stop();
  });
  test('eu-stack and gdb, with and without libc debug symbols, on two hung children: one fingerprint', () => {
    const all = fingerprints(d.pidsOf('hung'));
    assert.ok(
      all.some((x) => x.names.includes('take_held_lock_in_child')),
      'the handler frames are part of it',
    );
    cFingerprint = assertOne(all);
  });
});

describe('live JVM reproducer', () => {
  let jvm: ForkDeadlockJvm;
  let hung: number[];
  before(async () => {
    requireTool('eu-stack');
    requireTool('gdb');
    requireTool('java', ['-version']);
    jvm = await startForkDeadlockJvm({ threadNames: ['SCM polling for demo-job', 'launcher-0'] });
    hung = await jvm.waitForHungChildren(2, 60_000);
  });
  after(() => jvm?.stop());
  test('eu-stack and gdb, with and without libc debug symbols, on two hung children: one fingerprint, not the C one', () => {
    const all = fingerprints(hung);
    assert.ok(
      all.some((x) => x.names.includes('forkwatch_preload_atfork_child')),
      'the preload handler frames are part of it',
    );
    const jvmFingerprint = assertOne(all);
    assert.ok(cFingerprint !== '', 'the C reproducer ran first');
    assert.notEqual(jvmFingerprint, cFingerprint);
  });
});
