/**
 * Live: `forkwatch demo` (the built dist/cli/index.js) end to end on this machine:
 * the C and the Python reproducer each deadlock for real, the real daemon
 * confirms it, every stage is named, and every process the demo started is
 * gone afterwards (by the pids it printed and by a /proc scan for its
 * marker), its temp dir too. Ctrl-C (SIGINT) and SIGTERM mid-run clean up
 * the same way. Without a toolchain it says what to install and exits 69.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '../../helpers/native-build.js';
import { waitFor } from '../../helpers/wait.js';
import { isGone, processesWithMarker, reproducerZombies, runDemo, startDemo, startedByDemo } from './demo-run.js';
import { STAGES } from '../../../src/demo/show.js';

function assertAllGone(stdout: string): void {
  const { pids, dir, marker } = startedByDemo(stdout);
  assert.ok(marker && dir, `the demo named its temp dir:\n${stdout}`);
  assert.match(marker, /^forkwatch-demo-[A-Za-z0-9]{6}$/);
  assert.ok(pids.length >= 3, `reproducer, daemon and hung child pids printed: ${pids.join(', ')}`);
  for (const pid of pids) assert.ok(isGone(pid, marker), `pid ${pid} still runs`);
  assert.deepEqual(processesWithMarker(marker), [], `processes carrying ${marker} remain`);
  assert.equal(existsSync(dir), false, `${dir} was not removed`);
  assert.deepEqual(reproducerZombies(), [], 'zombies of the reproducer left behind');
}

function assertStages(stdout: string): void {
  STAGES.forEach((stage, i) =>
    assert.match(stdout, new RegExp(`^\\[${i + 1}/6\\] ${stage}: `, 'm'), `stage "${stage}" shown:\n${stdout}`),
  );
  assert.match(stdout, /status page http:\/\/127\.0\.0\.1:\d+\//);
  assert.match(stdout, /^incident [0-9a-f]+ confirmed [\d.]+ s after the demo started; on the status page: http/m);
}

test(
  'demo --once, C reproducer: the atfork deadlock is confirmed by its signature, stage by stage; nothing is left behind',
  { timeout: 120_000 },
  async () => {
    requireTool('gcc');
    requireTool('eu-stack');
    const r = await runDemo(['--once', '--reproducer', 'c']);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assertStages(r.stdout);
    assert.match(r.stdout, /^reproducer \(C, built with \S+\): pid \d+/m);
    assert.match(r.stdout, /\[3\/6\] kernel proof: state S, 1 thread, wchan futex\S*, blocked in syscall \d+/);
    assert.match(
      r.stdout,
      /\[4\/6\] stack captured: eu-stack in [\d.]+ ms \(ok\)\n(?: {6}.*\n)*? {6}atfork_child_handler\n/,
    );
    assert.match(r.stdout, /\[5\/6\] signature matched: glibc-atfork-child-lock \(critical\)/);
    const child = /forked child (\d+)/.exec(r.stdout)![1];
    assert.match(
      r.stdout,
      new RegExp(`    \\| Hung forked child on .*child pid ${child} of demo .*glibc-atfork-child-lock`),
    );
    assertAllGone(r.stdout);
  },
);

test(
  'demo --once --remediate, C reproducer: the daemon kills the hung child and the parent forks again',
  { timeout: 120_000 },
  async () => {
    requireTool('gcc');
    const r = await runDemo(['--once', '--remediate', '--reproducer', 'c']);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assertStages(r.stdout);
    const child = /forked child (\d+)/.exec(r.stdout)![1];
    assert.match(r.stdout, new RegExp(`remediation: remediation kill of child ${child} \\(demo\\): sent SIGKILL`));
    assert.match(r.stdout, new RegExp(`reproducer: reaped child ${child} \\(signal 9\\)`));
    assert.match(r.stdout, /reproducer: the parent moves on: forked child \d+, which exec'd true \(exit 0\)/);
    assertAllGone(r.stdout);
  },
);

test(
  "demo --once, Python reproducer: the never-exec'd child blocked on a futex is confirmed, a signature names the lock wait",
  { timeout: 120_000 },
  async () => {
    requireTool('python3');
    requireTool('eu-stack');
    const r = await runDemo(['--once', '--reproducer', 'python']);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assertStages(r.stdout);
    assert.match(r.stdout, /^reproducer \(Python, \S+\): pid \d+/m);
    // Never exec'd: the child still has the interpreter's image (and the parent's cmdline: the daemon's rule).
    assert.match(
      r.stdout,
      /\[2\/6\] child overdue: child \d+ of pid \d+ never exec'd .*still the parent's image \(\S*python3\S*\), 1 thread, state S/,
    );
    assert.match(r.stdout, /\[3\/6\] kernel proof: state S, 1 thread, wchan futex\S*, blocked in syscall 202/);
    assert.match(r.stdout, /\[4\/6\] stack captured: eu-stack .*\n(?: {6}.*\n)*? {6}PyThread_acquire_lock_timed\n/);
    assert.match(r.stdout, /\[5\/6\] signature matched: lock-wait-forked-child \(critical\)/);
    assertAllGone(r.stdout);
  },
);

// SIGINT goes to the demo's whole process group, as a terminal's Ctrl-C does (the reproducer and the daemon get it too); SIGTERM to the demo alone.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(
    `${signal} mid-run ends every process the demo started and removes its files`,
    { timeout: 120_000 },
    async () => {
      requireTool('gcc');
      const run = startDemo(['--reproducer', 'c'], process.env, true);
      try {
        await waitFor(
          'the hung child forked and the incident confirmed',
          async () => (/^incident [0-9a-f]+ confirmed/m.test(run.stdout()) ? true : null),
          60_000,
        );
        const { marker, pids } = startedByDemo(run.stdout());
        assert.match(marker ?? '', /^forkwatch-demo-[A-Za-z0-9]{6}$/);
        assert.deepEqual(
          processesWithMarker(marker!)
            .map((p) => p.pid)
            .sort(),
          [...pids].sort(),
          'reproducer, hung child and daemon run before the signal, and nothing else has the marker',
        );
      } catch (err) {
        run.proc.kill('SIGINT'); // the demo cleans up on it (what the test checks below)
        await run.exited;
        throw new Error(`${(err as Error).message}\n${run.stdout()}\n${run.stderr()}`);
      }
      if (signal === 'SIGINT') process.kill(-run.proc.pid!, 'SIGINT');
      else run.proc.kill(signal);
      const { code } = await run.exited;
      assert.equal(code, signal === 'SIGINT' ? 130 : 143, run.stderr());
      assert.match(run.stdout(), /^cleaned up: ended pids /m);
      assertAllGone(run.stdout());
    },
  );
}

test('no C compiler, no Python 3 on PATH: says what to install, exit 69 (EX_UNAVAILABLE); a forced missing one likewise', async (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'forkwatch-demo-test-path-'));
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  symlinkSync(process.execPath, join(bin, 'node')); // PATH holds node only: no gcc, cc, clang, python3, java
  const none = await runDemo([], 30_000, { ...process.env, PATH: bin });
  assert.equal(none.code, 69, none.stderr);
  assert.match(none.stderr, /a C compiler \(gcc, cc, clang\) or Python 3 \(python3\), and found none on PATH/);
  assert.match(none.stderr, /apt-get install gcc libc6-dev, or python3/);
  assert.equal(none.stdout, '');
  const py = await runDemo(['--reproducer', 'python'], 30_000, { ...process.env, PATH: bin });
  assert.equal(py.code, 69, py.stderr);
  assert.match(py.stderr, /with Python 3 \(python3\), and found none on PATH.*\n.*apt-get install python3\n/);
});

test('a bad option is refused naming it, exit 78', async () => {
  const r = await runDemo(['--reproducer', 'rust'], 30_000);
  assert.equal(r.code, 78);
  assert.match(r.stderr, /--reproducer = "rust": must be one of c, python/);
});
