/**
 * Live: a real GNU OpenMP thread pool lost across fork (GCC PR 52303). The
 * suite's omp-forker runs a parallel region, forks, and its child runs
 * another: the child's only thread waits at the pool's dock barrier for
 * threads fork did not copy. Captured now with the daemon's own capture path
 * and every Linux backend (eu-stack -m, gdb; libgomp has no debug symbols
 * here, so its internals are unnamed frames: under GOMP_parallel when the
 * child waits at the pool's dock, right under the region's caller when
 * GOMP_parallel tail-called gomp_team_end and it waits at the team's final
 * barrier, whichever the fork caught), the child must match
 * libgomp-thread-pool-after-fork in forked-child mode (as the daemon matches
 * it), and nothing as pasted; the parent (its pool threads docked, its main
 * thread in waitpid) must match nothing. A missing gcc, eu-stack or gdb fails
 * the test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireTool } from '../../helpers/native-build.js';
import { startOmpForker, type OmpForker } from '../../helpers/omp-forker.js';
import { procHealth } from '../../helpers/proc-health.js';
import { detectBackends, type CaptureBackend } from '../../../src/capture/backends.js';
import { captureStack } from '../../../src/capture/capture-stack.js';
import { readStartTimeMs } from '../../../src/capture/identity.js';
import { resolveConfig } from '../../../src/config/load.js';
import { loadSignatures, matchSignatures } from '../../../src/match/index.js';

const lib = loadSignatures().signatures;
let omp: OmpForker;
let backends: CaptureBackend[];

before(async () => {
  requireTool('gcc');
  requireTool('eu-stack');
  requireTool('gdb');
  backends = detectBackends(resolveConfig({})).filter((b) => b.name === 'eu-stack' || b.name === 'gdb');
  omp = await startOmpForker();
});

after(() => omp?.stop());

test('the child is stuck for good: one thread, asleep, still there a second later', async () => {
  const stateAndThreads = (pid: number): [string, number] => {
    const h = procHealth(pid);
    return [h.state, h.threads];
  };
  assert.deepEqual(stateAndThreads(omp.child), ['S', 1]);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(stateAndThreads(omp.child), ['S', 1]);
  assert.ok(procHealth(omp.parent).threads > 1, 'the parent keeps its pool threads');
});

async function captured(pid: number, backend: CaptureBackend) {
  const r = await captureStack({ pid, startTimeMs: readStartTimeMs('/proc', pid)! }, backend, {
    procRoot: '/proc',
    timeoutMs: 30_000,
    maxOutputBytes: 1 << 20,
  });
  assert.ok(r.ok && r.stack, `${backend.name} captured ${pid}: ${r.reason ?? ''}`);
  return r.stack!;
}

test('eu-stack and gdb: the child matches libgomp-thread-pool-after-fork as a forked child (not as pasted)', async () => {
  assert.deepEqual(backends.map((b) => b.name).sort(), ['eu-stack', 'gdb']);
  for (const backend of backends) {
    const stack = await captured(omp.child, backend);
    assert.equal(stack.threads.length, 1, backend.name);
    const top = stack.threads[0]!.frames[0]!;
    assert.ok(
      top.normalized === null && /libgomp/.test(top.module ?? ''),
      `${backend.name}: the only thread is inside libgomp (no symbols here): ${stack.raw}`,
    );
    // as the daemon matches its captures: a forked child that never exec'd
    const m = matchSignatures(stack.threads, lib, { forkedChild: true });
    assert.equal(m.matches[0]?.signatureId, 'libgomp-thread-pool-after-fork', `${backend.name}: ${stack.raw}`);
    assert.ok(m.deadlock);
    // as pasted, one thread in libgomp may as well be gdb's bt of the master of a live pool: not named
    assert.equal(matchSignatures(stack.threads, lib).deadlock, false, backend.name);
  }
});

test('eu-stack and gdb: the parent (pool threads docked, main thread in waitpid) matches nothing', async () => {
  for (const backend of backends) {
    const stack = await captured(omp.parent, backend);
    assert.ok(stack.threads.length > 1, backend.name);
    assert.deepEqual(matchSignatures(stack.threads, lib).matches, [], `${backend.name}: ${stack.raw}`);
  }
});
