/**
 * Disk full loses nothing (issue 12): the stateDir is a real 4 MiB tmpfs,
 * filled to ENOSPC before the daemon's first tick; a real deadlocked child
 * (test/helpers/deadlocker.ts) is scanned from the real /proc and captured
 * by the real eu-stack once, over the real daemon loop. While the store
 * cannot write, the capture is kept in memory, the record stage's failures
 * are counted (forkwatch_scan_errors_total{stage="record"}), logged, and
 * /readyz is 503 naming stage record. Once space is freed, a later tick
 * stores the incident with its stack and confirms it with the library's
 * signature (not 'proven_blocked' with an empty stack).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createDaemon } from '../../../src/daemon/index.js';
import { buildStages } from '../../../src/stages/build.js';
import { createMetrics } from '../../../src/extension/metrics.js';
import { openStore } from '../../../src/record/index.js';
import { PROVEN_BLOCKED } from '../../../src/match/verdict.js';
import { FAILING_ATTEMPTS } from '../../../src/extension/daemon-view.js';
import { startDeadlocker } from '../../helpers/deadlocker.js';
import { requireTool } from '../../helpers/native-build.js';
import { waitFor } from '../../helpers/wait.js';
import { testConfig } from '../../expose/fakes.js';

const HOST = 'disk-full-host';

/** A fresh tmpfs of sizeBytes; unmounted and removed after the test. */
function mountTmpfs(t: { after(fn: () => unknown): void }, sizeBytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-diskfull-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  t.after(() => {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    rmdirSync(dir);
  });
  return dir;
}

/** Write a file until the filesystem says ENOSPC; returns its path and size. */
function fill(dir: string): { path: string; bytes: number } {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    for (const chunk of [1 << 16, 4096, 512, 1]) {
      const buf = Buffer.alloc(chunk, 0x5a);
      for (;;) {
        try {
          bytes += writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return { path, bytes };
}

test('disk full: the capture of a real hung child is kept, record failures show in the metric, the log and /readyz; stored with its signature once space returns', async (t) => {
  requireTool('eu-stack');
  const stateDir = mountTmpfs(t, 4 * 1024 * 1024);
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
  );
  const store = openStore({ stateDir, host: HOST, sinks: [], logger });
  t.after(() => store.close());
  const dl = await startDeadlocker({ hung: 1, threads: 4 });
  t.after(() => dl.stop());
  const hungPid = dl.pidsOf('hung')[0]!;

  const filler = fill(stateDir);
  assert.ok(statfsSync(stateDir).bavail === 0, 'the tmpfs is full');
  assert.ok(filler.bytes > 3 * 1024 * 1024, `filled ${filler.bytes} bytes`);

  const config = testConfig({
    interval: '250ms',
    hungAfter: '500ms',
    stateDir,
    targets: [{ name: 'jenkins', pid: dl.pid }],
    listen: { port: 0 },
  });
  const metrics = createMetrics({ defaultMetrics: 'none' });
  const daemon = createDaemon({
    config,
    logger,
    store,
    metrics,
    stages: buildStages(config, logger, HOST),
    stopWaitMs: 15_000,
  });
  const address = await daemon.start();
  t.after(() => daemon.stop());
  const url = `http://127.0.0.1:${address!.port}`;
  const recordErrors = async () => {
    const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === 'forkwatch_scan_errors_total');
    return Number(m?.values.find((v) => v.labels.stage === 'record')?.value ?? 0);
  };

  // The child is captured once (real eu-stack), and the store cannot take it.
  await waitFor(
    'the hung child captured while the disk is full',
    async () => lines.some((l) => l.msg === 'evidence could not be stored: kept in memory, retried every tick'),
    30_000,
    50,
  );
  assert.equal(lines.filter((l) => l.msg === 'stack capture' && l.pid === hungPid).length, 1, 'captured exactly once');
  const readyz = await waitFor(
    '/readyz 503 naming stage record',
    async () => {
      const res = await fetch(`${url}/readyz`);
      const body = (await res.json()) as { ready: boolean; message: string; failingStages: { stage: string }[] };
      const n = /^stage record failing \((\d+) attempts in a row\): database or disk is full/.exec(body.message);
      return res.status === 503 && n && Number(n[1]) >= FAILING_ATTEMPTS ? body : null;
    },
    15_000,
    50,
  );
  assert.deepEqual(
    readyz.failingStages.map((f) => f.stage),
    ['record'],
  );
  assert.ok((await recordErrors()) >= 3, 'forkwatch_scan_errors_total{stage="record"} counts the failures');
  assert.ok(
    lines.some((l) => l.stage === 'record' && /database or disk is full/.test(String(l.msg)) && l.level === 50),
    'an error log line names stage record and the cause',
  );
  assert.equal(daemon.context.daemon.snapshot().lastTick?.unstoredEvidence, 1, 'the capture is held in memory');
  assert.equal(store.list({}).items.length, 0, 'nothing could be stored');
  await new Promise((r) => setTimeout(r, 600)); // more ticks on a full disk: the capture is still kept, not re-taken
  assert.equal(daemon.context.daemon.snapshot().lastTick?.unstoredEvidence, 1);

  // Space returns: a later tick stores the incident, its stack, and the signature matched on it.
  unlinkSync(filler.path);
  const incident = await waitFor(
    'the incident confirmed once space returned',
    async () => store.list({ state: 'confirmed' }).items.find((i) => i.childPid === hungPid),
    15_000,
    50,
  );
  assert.notEqual(incident.signatureId, PROVEN_BLOCKED, 'confirmed by its signature, not only by kernel proof');
  assert.ok(incident.signatureId, 'has a signature');
  const full = store.get(incident.id)!;
  assert.match(
    full.evidence.stackRaw ?? '',
    /fork|lll_lock|pthread_mutex/,
    'the stack captured on the full disk is stored',
  );
  assert.ok((full.evidence.stack?.threads.length ?? 0) > 0, 'the parsed stack is stored');
  assert.ok((full.evidence.matches?.length ?? 0) > 0, 'with its matches');
  assert.equal(
    lines.filter((l) => l.msg === 'stack capture' && l.pid === hungPid).length,
    1,
    'still captured exactly once',
  );
  assert.ok(lines.some((l) => l.msg === 'evidence kept in memory is stored now'));
  await waitFor('/readyz 200 again', async () => (await fetch(`${url}/readyz`)).status === 200, 15_000, 50);
  assert.equal(daemon.context.daemon.snapshot().lastTick?.unstoredEvidence, 0);
  rmSync(join(stateDir, 'filler'), { force: true });
});
