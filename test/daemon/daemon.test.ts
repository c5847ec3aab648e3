/** The tick and the scheduler: fake scan/evidence/match stages, a real SQLite store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTick } from '../../src/daemon/tick.js';
import { SAMPLE_GAP_MS } from '../../src/capture/capturer.js';
import { createTickMemory, type TickDeps } from '../../src/daemon/tick-deps.js';
import { createTickScheduler } from '../../src/daemon/scheduler.js';
import { createDaemon, type DaemonExtension } from '../../src/daemon/index.js';
import { startHousekeeping } from '../../src/daemon/housekeeping.js';
import { createClock } from '../../src/schedule/clock.js';
import { createMetrics, type Metrics } from '../../src/extension/metrics.js';
import { pino } from 'pino';
import { silentLogger } from '../../src/util/logger.js';
import { waitFor } from '../helpers/wait.js';
import type { Transition } from '../../src/record/transition.js';
import {
  DEADLOCK_FRAMES,
  child,
  fakeEvidence,
  fakeMatcher,
  fakeScanner,
  report,
  tempStore,
  testConfig,
} from '../expose/fakes.js';

async function value(m: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? NaN;
}

function setup(
  children = [child(201), child(202, 'execed', false), child(203, 'never-execed', false)],
  stacks = new Map([[201, DEADLOCK_FRAMES]]),
) {
  const t = tempStore(['slack']);
  const scanner = fakeScanner(report(children));
  const evidence = fakeEvidence(stacks);
  const metrics = createMetrics({ defaultMetrics: 'none' });
  const handedOff: Transition[][] = [];
  const deps: TickDeps = {
    scanner,
    evidence,
    matcher: fakeMatcher(),
    store: t.store,
    metrics,
    logger: silentLogger(),
    notify: (tr) => handedOff.push(tr),
  };
  return { ...t, scanner, evidence, metrics, deps, mem: createTickMemory(), handedOff };
}

/** The daemon over setup()'s fakes (no listening unless started with it). */
function daemonOver(
  s: ReturnType<typeof setup>,
  extensions: DaemonExtension[] = [],
  config = testConfig({ listen: { port: 0 } }),
) {
  return createDaemon({
    config,
    logger: silentLogger(),
    store: s.store,
    stages: { scanner: s.scanner, evidence: s.evidence, matcher: fakeMatcher() },
    metrics: s.metrics,
    extensions,
  });
}

test('a hung child is confirmed by its signature in one tick; decoys are not suspects', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  const summary = await runTick(s.deps, s.mem);
  assert.equal(summary.ok, true, JSON.stringify(summary.errors));
  assert.deepEqual(
    s.evidence.calls.map((c) => c.pid),
    [201],
  );
  assert.deepEqual(
    summary.transitions.map((x) => [x.from, x.to, x.signature]),
    [
      [null, 'suspect', null],
      ['suspect', 'confirmed', 'atfork-mutex'],
    ],
  );
  const [inc] = s.store.list({ state: 'confirmed' }).items;
  assert.equal(inc?.childPid, 201);
  const full = s.store.get(inc!.id)!;
  assert.match(full.evidence.stackRaw ?? '', /pthread_mutex_lock/);
  assert.equal(full.evidence.stack?.threads[0]?.frames.length, DEADLOCK_FRAMES.length);
  assert.equal(full.forkingThread?.name, 'SCM polling f');
  assert.equal(await value(s.metrics, 'forkwatch_incidents_opened_total', { signature: 'atfork-mutex' }), 1);
  assert.equal(await value(s.metrics, 'forkwatch_hung_children', { target: 'jenkins', signature: 'atfork-mutex' }), 1);
  assert.equal(await value(s.metrics, 'forkwatch_children', { target: 'jenkins', classification: 'never_execed' }), 2);
  assert.equal(await value(s.metrics, 'forkwatch_children', { target: 'jenkins', classification: 'execed' }), 1);
  assert.equal(await value(s.metrics, 'forkwatch_overdue_children', { target: 'jenkins' }), 1);
  assert.equal(await value(s.metrics, 'forkwatch_captures_total', { backend: 'eu-stack', outcome: 'ok' }), 1);
  assert.equal(s.handedOff.length, 1);
});

test('a suspect whose first two samples show it moving (a busy child one read found sleeping) is not traced and opens no incident', async (t) => {
  const s = setup([child(201), child(204)]);
  t.after(s.cleanup);
  s.evidence.progressed.add(204);
  const summary = await runTick(s.deps, s.mem);
  assert.deepEqual(
    s.evidence.opts.map((o) => [o?.skipIfProgressed, o?.firstGapMs]),
    [
      [true, SAMPLE_GAP_MS],
      [true, SAMPLE_GAP_MS],
    ],
    'every suspect is examined with the first-sample gap, and not traced if it moved',
  );
  assert.equal(summary.suspects, 1);
  assert.equal(summary.captured, 1);
  assert.deepEqual(
    s.store.list({}).items.map((i) => i.childPid),
    [201],
    'the busy child opened no incident',
  );
  const busy = s.mem.lastReport?.children.find((c) => c.child.pid === 204);
  assert.deepEqual(
    [busy?.activity, busy?.overdue, busy?.overdueSince],
    ['progressing', false, null],
    'the report the API shows says what the next scan would: progressing, not overdue',
  );
  assert.match(busy?.reason ?? '', /between its samples/);
  assert.equal(await value(s.metrics, 'forkwatch_overdue_children', { target: 'jenkins' }), 1, 'only the hung child');
});

test('later ticks neither re-capture nor duplicate a confirmed child; it resolves when gone', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  await runTick(s.deps, s.mem);
  const second = await runTick(s.deps, s.mem);
  assert.equal(second.transitions.length, 0);
  assert.equal(s.evidence.calls.length, 1, 'confirmed child was sampled/captured again');
  assert.equal(s.store.list({}).items.length, 1);
  s.scanner.next = report([child(202, 'execed', false)]);
  const third = await runTick(s.deps, s.mem);
  assert.deepEqual(
    third.transitions.map((x) => [x.from, x.to]),
    [['confirmed', 'resolved']],
  );
  assert.equal(await value(s.metrics, 'forkwatch_incidents_resolved_total', { signature: 'atfork-mutex' }), 1);
  assert.equal((await s.metrics.registry.getSingleMetric('forkwatch_hung_children')!.get()).values.length, 0);
  assert.equal(await value(s.metrics, 'forkwatch_overdue_children', { target: 'jenkins' }), 0);
});

test("second look: a lingering child (old, never exec'd, not overdue) whose one stack names a deadlock is confirmed in one tick; one whose stack names none is left alone; neither is captured again", async (t) => {
  const lingering = [child(301, 'never-execed', false), child(302, 'never-execed', false)];
  const s = setup(
    lingering,
    new Map([
      [301, DEADLOCK_FRAMES],
      [302, ['poll', 'worker_loop', 'main']],
    ]),
  );
  t.after(s.cleanup);
  s.scanner.next = { ...report(lingering), hungAfterMs: 60_000 };
  s.deps.secondLook = true;
  const first = await runTick(s.deps, s.mem);
  assert.equal(first.ok, true, JSON.stringify(first.errors));
  assert.deepEqual(
    s.evidence.calls.map((c) => c.pid),
    [301, 302],
  );
  assert.equal(first.captured, 2, 'both looks captured a stack');
  assert.equal(first.suspects, 1, 'the named one became a suspect');
  assert.deepEqual(
    s.evidence.opts.map((o) => [o?.skipIfProgressed, o?.firstGapMs]),
    [
      [undefined, undefined],
      [undefined, undefined],
    ],
    'a second look takes its stack at once: the child is moving, the kernel samples would clear it',
  );
  assert.deepEqual(
    first.transitions.map((x) => [x.from, x.to, x.signature]),
    [
      [null, 'suspect', null],
      ['suspect', 'confirmed', 'atfork-mutex'],
    ],
  );
  assert.equal(s.store.list({ state: 'confirmed' }).items[0]?.childPid, 301);
  const shown = s.mem.lastReport?.children.find((c) => c.child.pid === 301);
  assert.equal(shown?.overdue, true, 'the report the API shows has it overdue');
  assert.equal(await value(s.metrics, 'forkwatch_second_looks_total', { outcome: 'named' }), 1);
  assert.equal(await value(s.metrics, 'forkwatch_second_looks_total', { outcome: 'nothing' }), 1);
  assert.equal(await value(s.metrics, 'forkwatch_captures_total', { backend: 'eu-stack', outcome: 'ok' }), 2);
  const second = await runTick(s.deps, s.mem);
  assert.equal(s.evidence.calls.length, 2, 'no child is looked at twice');
  assert.equal(second.transitions.length, 0, 'the confirmed child stays confirmed while it lives');
  // the daemon with capture.secondLook false: a lingering child is never traced
  const off = setup(lingering, new Map([[301, DEADLOCK_FRAMES]]));
  t.after(off.cleanup);
  off.scanner.next = { ...report(lingering), hungAfterMs: 60_000 };
  off.deps.secondLook = false;
  await runTick(off.deps, off.mem);
  assert.deepEqual(off.evidence.calls, []);
});

test('no signature: kernel proof across scans confirms as proven_blocked; an unproven suspect stays suspect', async (t) => {
  const s = setup([child(301), child(302)], new Map());
  t.after(s.cleanup);
  await runTick(s.deps, s.mem);
  assert.equal(s.store.list({ state: 'suspect' }).items.length, 2);
  const blocked = fakeEvidence(new Map(), new Set([301]));
  blocked.captured = s.evidence.captured;
  const summary = await runTick({ ...s.deps, evidence: blocked }, s.mem);
  assert.deepEqual(
    summary.transitions.map((x) => [x.to, x.signature]),
    [['confirmed', 'proven_blocked']],
  );
  assert.equal(s.store.list({ state: 'suspect' }).items[0]?.childPid, 302);
  assert.equal(await value(s.metrics, 'forkwatch_captures_total', { backend: 'eu-stack', outcome: 'failed' }), 2);
});

test('a failing stage is logged and counted, the tick never throws, and the next tick runs', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  s.scanner.error = new Error('procfs unreadable');
  const failed = await runTick(s.deps, s.mem);
  assert.equal(failed.ok, false);
  assert.deepEqual(
    failed.errors.map((e) => e.stage),
    ['scan'],
  );
  assert.equal(await value(s.metrics, 'forkwatch_scan_errors_total', { stage: 'scan' }), 1);
  assert.equal(await value(s.metrics, 'forkwatch_scans_total', { outcome: 'error' }), 1);
  assert.equal(s.mem.lastSuccessAt, null);
  s.scanner.error = null;
  s.evidence.error = new Error('ptrace exploded');
  const partial = await runTick(s.deps, s.mem);
  assert.deepEqual(
    partial.errors.map((e) => e.stage),
    ['capture'],
  );
  assert.equal(s.store.list({ state: 'suspect' }).items.length, 1, 'the suspect is still recorded');
  s.evidence.error = null;
  const ok = await runTick(s.deps, s.mem);
  assert.equal(ok.ok, true);
  assert.ok(s.mem.lastSuccessAt !== null);
  assert.equal(await value(s.metrics, 'forkwatch_scans_total', { outcome: 'ok' }), 1);
  assert.ok((await value(s.metrics, 'forkwatch_last_successful_scan_timestamp_seconds')) > 1e9);
});

test('a throwing hand-off is counted under stage alert and does not lose the incident', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  const summary = await runTick(
    {
      ...s.deps,
      notify: () => {
        throw new Error('sender down');
      },
    },
    s.mem,
  );
  assert.deepEqual(
    summary.errors.map((e) => e.stage),
    ['alert'],
  );
  assert.equal(s.store.list({ state: 'confirmed' }).items.length, 1);
});

test('scheduler: ticks never overlap; runNow waits for the in-flight tick; stop is bounded', async () => {
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  const tick = async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, 40));
    active--;
    return ++runs;
  };
  const sch = createTickScheduler(tick, 10);
  sch.start();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(sch.busy(), true);
  const [a, b] = await Promise.all([sch.runNow(), sch.runNow()]);
  assert.equal(a, b, 'callers arriving together share one queued tick');
  assert.ok(a >= 2, 'runNow ran a fresh tick after the in-flight one');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(maxActive, 1);
  assert.ok(runs >= 4, `interval ticks kept running (${runs})`);
  const outcome = await sch.stop(1000);
  assert.ok(outcome === 'idle' || outcome === 'finished');
  const after = runs;
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(runs, after, 'no tick after stop');
  const slow = createTickScheduler(() => new Promise<number>((r) => setTimeout(() => r(1), 2000)), 1000);
  slow.start();
  await new Promise((r) => setTimeout(r, 5));
  const t0 = Date.now();
  assert.equal(await slow.stop(50), 'abandoned');
  assert.ok(Date.now() - t0 < 500);
});

test('daemon: start/stop with extensions; hand-off and afterTick see every tick; stop closes the store', async (t) => {
  const s = setup();
  t.after(() => s.cleanup());
  const seen: string[] = [];
  const daemon = daemonOver(s, [
    {
      name: 'probe',
      start: () => void seen.push('start'),
      onTransitions: (tr) => void seen.push(...tr.map((x) => `handoff:${x.to}`)),
      afterTick: () => void seen.push('afterTick'),
      stop: () => void seen.push('stop'),
    },
  ]);
  const address = await daemon.start();
  assert.ok(address && address.port > 0 && address.host === '127.0.0.1');
  const res = await fetch(`http://127.0.0.1:${address.port}/healthz`);
  assert.equal(res.status, 200);
  await daemon.runScan();
  await daemon.stop();
  assert.deepEqual(seen.slice(0, 4), ['start', 'handoff:suspect', 'handoff:confirmed', 'afterTick']);
  assert.equal(seen.at(-1), 'stop');
  assert.throws(() => s.store.list({}), 'store closed');
});

test('systemd-notify: READY=1 once, after the first ok tick, only with NOTIFY_SOCKET; STOPPING=1 at stop', async (t) => {
  const { mkdtempSync, writeFileSync, readFileSync, chmodSync, existsSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createSystemdNotify } = await import('../../src/daemon/systemd-notify.js');
  const dir = mkdtempSync(join(tmpdir(), 'fw-notify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'calls');
  const stub = join(dir, 'systemd-notify');
  writeFileSync(stub, `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> ${JSON.stringify(log)}\n`);
  chmodSync(stub, 0o755);
  const s = setup();
  t.after(s.cleanup);
  s.scanner.error = new Error('not yet');
  const daemon = createDaemon({
    config: testConfig(),
    logger: silentLogger(),
    store: s.store,
    stages: { scanner: s.scanner, evidence: s.evidence, matcher: fakeMatcher() },
    extensions: [
      createSystemdNotify({ command: stub, env: { NOTIFY_SOCKET: '/run/test.sock' }, pid: 4242 }),
      createSystemdNotify({ command: stub, env: {} }),
    ],
  });
  await daemon.start({ listen: false, schedule: false });
  await daemon.runScan();
  assert.equal(existsSync(log), false, 'not ready while a stage fails');
  s.scanner.error = null;
  await daemon.runScan();
  await daemon.runScan();
  await daemon.stop();
  assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
    '/run/test.sock --ready --pid=4242 --status=watching 1 target',
    '/run/test.sock --stopping --pid=4242',
  ]);
});

test('housekeeping (at start, then on its schedule) prunes resolved incidents past retention, not younger ones', async (t) => {
  const s = setup();
  t.after(s.cleanup);
  const day = 86_400_000;
  let now = Date.now() - 31 * day;
  const deps = { ...s.deps, now: () => now };
  await runTick(deps, s.mem);
  s.scanner.next = report([child(202, 'execed', false)]);
  now += 1000;
  await runTick(deps, s.mem);
  assert.equal(s.store.list({ state: 'resolved' }).items.length, 1);
  let clock = now + 29 * day;
  let runs = 0;
  const cron = createClock({ timezone: 'UTC', logger: silentLogger() });
  t.after(() => cron.stop());
  const hk = startHousekeeping(s.store, silentLogger(), {
    clock: cron,
    schedule: '* * * * * *',
    now: () => (runs++, clock),
  });
  cron.start();
  assert.equal(runs, 1, 'the first run is at start');
  assert.equal(s.store.list({ state: 'resolved' }).items.length, 1, 'pruned before its 30 days');
  clock = now + 31 * day;
  await waitFor('the scheduled run (every second)', async () => runs >= 2, 3000, 20);
  assert.equal(s.store.list({}).items.length, 0, 'the scheduled run left a resolved incident past retention');
  assert.equal(hk.runNow(), 0, 'runNow: nothing left to prune');
  await cron.stop();
  const after = runs;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(runs, after, 'ran again after stop()');
});

test('housekeeping survives a failing prune (logged) and runs again', async () => {
  let calls = 0;
  const store = {
    pruneResolved: () => {
      calls++;
      throw new Error('disk I/O error');
    },
  } as unknown as Parameters<typeof startHousekeeping>[0];
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
  const cron = createClock({ timezone: 'UTC', logger });
  startHousekeeping(store, logger, { clock: cron, schedule: '* * * * * *' });
  cron.start();
  try {
    await waitFor('a second run after a failed one', async () => calls >= 2, 3000, 20);
    assert.match(lines[0] ?? '', /retention: pruning resolved incidents failed/);
    assert.match(lines[0] ?? '', /disk I\/O error/);
  } finally {
    await cron.stop();
  }
});

test('a suspect seen no longer overdue (a worker with its own reason to live) is resolved; a confirmed child is kept while present', async (t) => {
  // 201 hangs (signature), 204 is a suspect without signature or kernel proof.
  const s = setup([child(201), child(204)], new Map([[201, DEADLOCK_FRAMES]]));
  t.after(s.cleanup);
  await runTick(s.deps, s.mem);
  assert.deepEqual(
    s.store
      .openIncidents()
      .map((i) => [i.childPid, i.state])
      .sort(),
    [
      [201, 'confirmed'],
      [204, 'suspect'],
    ],
  );
  // Next scan: both still never-exec'd, neither overdue (e.g. 204 was caught running; 201's activity unreadable).
  s.scanner.next = report([child(201, 'never-execed', false), child(204, 'never-execed', false)]);
  const second = await runTick(s.deps, s.mem);
  assert.deepEqual(
    second.transitions.map((x) => [x.from, x.to]),
    [['suspect', 'resolved']],
  );
  assert.deepEqual(
    s.store.openIncidents().map((i) => [i.childPid, i.state]),
    [[201, 'confirmed']],
  );
});

test('daemon: a major GC (global gc, from --expose-gc) after a full discovery scan, none after a targeted one', async (t) => {
  const s = setup();
  t.after(() => s.cleanup());
  const g = globalThis as { gc?: () => void };
  const saved = g.gc;
  let collections = 0;
  g.gc = () => void collections++;
  t.after(() => (g.gc = saved));
  const daemon = daemonOver(s);
  t.after(() => daemon.stop());
  s.scanner.next = { ...s.scanner.next, stats: { ...s.scanner.next.stats, mode: 'targeted' } };
  await daemon.runScan();
  assert.equal(collections, 0, 'a targeted scan leaves the GC to V8');
  s.scanner.next = { ...s.scanner.next, stats: { ...s.scanner.next.stats, mode: 'full' } };
  await daemon.runScan();
  assert.equal(collections, 1, 'one GC after the full scan');
  s.scanner.error = new Error('scan failed');
  await daemon.runScan();
  assert.equal(collections, 1, 'no scan, no GC');
  g.gc = undefined;
  s.scanner.error = null;
  await daemon.runScan(); // without --expose-gc: nothing to call, no throw
});

/** The real store, with its writes failing like a full disk while `full` is set. */
function fullDisk(store: ReturnType<typeof setup>['store']) {
  const state = { full: false, failed: 0 };
  const fail = (): never => {
    state.failed++;
    throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  };
  const wrapped = Object.create(store) as typeof store;
  for (const m of ['confirm', 'updateEvidence'] as const) {
    const real = store[m].bind(store) as (...a: unknown[]) => unknown;
    (wrapped as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => (state.full ? fail() : real(...a));
  }
  return { store: wrapped, state };
}

test('disk full at confirmation: the capture is kept in memory (not re-taken) and confirmed with its signature once the store takes it', async (t) => {
  const s = setup([child(201)]);
  t.after(s.cleanup);
  const disk = fullDisk(s.store);
  const deps = {
    ...s.deps,
    store: disk.store,
    evidence: fakeEvidence(new Map([[201, DEADLOCK_FRAMES]]), new Set([201])),
  };
  disk.state.full = true;
  const first = await runTick(deps, s.mem);
  assert.deepEqual(
    first.errors.map((e) => [e.stage, e.message]),
    [['record', 'database or disk is full']],
  );
  assert.equal(first.unstoredEvidence, 1);
  const second = await runTick(deps, s.mem);
  assert.equal(second.unstoredEvidence, 1);
  assert.equal(second.stages.record, 'failed');
  assert.equal(await value(s.metrics, 'forkwatch_scan_errors_total', { stage: 'record' }), 2);
  assert.equal(s.store.list({ state: 'suspect' }).items.length, 1, 'still a suspect');
  disk.state.full = false;
  const third = await runTick(deps, s.mem);
  assert.deepEqual(
    third.transitions.map((x) => [x.to, x.signature]),
    [['confirmed', 'atfork-mutex']],
    'its signature, not proven_blocked',
  );
  assert.equal(third.unstoredEvidence, 0);
  assert.equal(deps.evidence.calls.length, 3);
  const inc = s.store.get(s.store.list({ state: 'confirmed' }).items[0]!.id)!;
  assert.match(inc.evidence.stackRaw ?? '', /pthread_mutex_lock/);
  assert.equal(inc.evidence.matches?.[0]?.signatureId, 'atfork-mutex');
});

test('disk full for a suspect without a verdict: its capture is stored later even after the child is gone (resolved incident)', async (t) => {
  const s = setup([child(204)], new Map([[204, ['read', 'main']]]));
  t.after(s.cleanup);
  const disk = fullDisk(s.store);
  const deps = { ...s.deps, store: disk.store };
  disk.state.full = true;
  const first = await runTick(deps, s.mem);
  assert.equal(first.unstoredEvidence, 1, 'updateEvidence failed: kept');
  s.scanner.next = report([]);
  const gone = await runTick(deps, s.mem);
  assert.deepEqual(
    gone.transitions.map((x) => x.to),
    ['resolved'],
  );
  assert.equal(gone.unstoredEvidence, 1, 'still kept while the store is full');
  disk.state.full = false;
  const later = await runTick(deps, s.mem);
  assert.equal(later.unstoredEvidence, 0);
  const inc = s.store.get(s.store.list({ state: 'resolved' }).items[0]!.id)!;
  assert.match(inc.evidence.stackRaw ?? '', /#0 0x0 read/);
});

test('evidence kept in memory is bounded: the oldest is dropped (logged) past the entry limit', async () => {
  const { settleEvidence, MAX_UNSTORED } = await import('../../src/daemon/unstored.js');
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  const unstored = new Map();
  for (let i = 0; i < MAX_UNSTORED + 3; i++)
    settleEvidence(
      { logger, store: null as never },
      unstored,
      `k${i}`,
      { evidence: { stackRaw: `stack ${i}` }, match: null },
      false,
      i,
    );
  assert.equal(unstored.size, MAX_UNSTORED);
  assert.deepEqual([...unstored.keys()].slice(0, 2), ['k3', 'k4']);
  assert.equal(lines.filter((l) => l.includes('evidence dropped')).length, 3);
  settleEvidence({ logger, store: null as never }, unstored, 'k3', { evidence: {}, match: null }, true, 100);
  assert.equal(unstored.has('k3'), false, 'stored: forgotten');
});
