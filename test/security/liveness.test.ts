/**
 * Liveness tells the truth (issue 12): a tick that hangs, over the real daemon
 * loop (real scheduler, real store, real HTTP server), is abandoned at its
 * deadline with its stage named and its capture signalled; the schedule goes
 * on; /healthz turns 503 once no tick has completed for the liveness window,
 * /readyz names the stage; the systemd watchdog pings (the real
 * systemd-notify, to a real NOTIFY_SOCKET datagram listener) stop while ticks
 * do not complete and resume when they do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createDaemon, type DaemonExtension } from '../../src/daemon/index.js';
import { createMetrics } from '../../src/extension/metrics.js';
import { silentLogger } from '../../src/util/logger.js';
import { createSystemdNotify, watchdogPingMs } from '../../src/daemon/systemd-notify.js';
import { livenessWindowMs, tickDeadlineMs } from '../../src/daemon/deadline.js';
import type { EvidencePort, ScannerPort } from '../../src/stages/ports.js';
import type { Suspect, SuspectEvidence } from '../../src/capture/capturer.js';
import type { ScanReport } from '../../src/classify/types.js';
import { requireTool } from '../helpers/native-build.js';
import { waitFor } from '../helpers/wait.js';
import { DEADLOCK_FRAMES, child, fakeEvidence, fakeMatcher, fakeScanner, report, tempStore, testConfig } from '../expose/fakes.js';

const INTERVAL_MS = 150;
const DEADLINE_MS = 300;
const WINDOW_MS = livenessWindowMs(INTERVAL_MS, DEADLINE_MS);

/** A scanner and an evidence port that answer normally, or hang (never settle) when told to. */
function hangable(initial: ScanReport) {
  const scanner = fakeScanner(initial);
  const evidence = fakeEvidence(new Map([[201, DEADLOCK_FRAMES]]));
  const state = { scanHangs: false, captureHangs: false, captureSignals: [] as AbortSignal[] };
  const hangingScanner: ScannerPort = {
    scan: () => (state.scanHangs ? (scanner.calls++, new Promise<ScanReport>(() => {})) : scanner.scan()),
  };
  const hangingEvidence: EvidencePort = {
    retain: () => {},
    captureSuspect(s: Suspect, opts?: { signal?: AbortSignal }): Promise<SuspectEvidence> {
      if (!state.captureHangs) return evidence.captureSuspect(s);
      assert.ok(opts?.signal, 'the tick passes its deadline signal to the capture');
      state.captureSignals.push(opts.signal);
      return new Promise(() => {});
    },
  };
  return { scanner, hangingScanner, hangingEvidence, state };
}

async function startDaemon(t: { after(fn: () => unknown): void }, extensions: DaemonExtension[] = []) {
  const s = tempStore();
  t.after(s.cleanup);
  const h = hangable(report([]));
  const metrics = createMetrics({ defaultMetrics: 'none' });
  const config = testConfig({ interval: `${INTERVAL_MS}ms`, listen: { port: 0 } });
  const daemon = createDaemon({
    config,
    logger: silentLogger(),
    store: s.store,
    metrics,
    stages: { scanner: h.hangingScanner, evidence: h.hangingEvidence, matcher: fakeMatcher() },
    extensions,
    tickDeadlineMs: DEADLINE_MS,
    stopWaitMs: 100,
  });
  const address = await daemon.start();
  t.after(() => daemon.stop());
  const url = `http://127.0.0.1:${address!.port}`;
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { ...h, daemon, metrics, get, store: s.store };
}

async function scanErrors(m: ReturnType<typeof createMetrics>, stage: string): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'forkwatch_scan_errors_total');
  return Number(metric?.values.find((v) => v.labels.stage === stage)?.value ?? NaN);
}

test('the tick deadline and liveness window derive from interval and capture timeout (documented constants)', () => {
  const config = testConfig({ interval: '15s', capture: { timeout: '10s' } });
  assert.equal(tickDeadlineMs(config), 35_000);
  assert.equal(livenessWindowMs(config.intervalMs, tickDeadlineMs(config)), 50_000);
  const slow = testConfig({ interval: '2s', capture: { timeout: '20s' }, threadDump: { enabled: true, timeout: '5s' } });
  assert.equal(tickDeadlineMs(slow), 55_000, 'a thread dump adds its timeout to one suspect\'s capture time');
  assert.equal(livenessWindowMs(60_000, 125_000), 185_000, '3 intervals, never less than one deadline + one interval');
});

test('a capture that never settles: the tick is abandoned in stage capture, its signal aborted, ticks go on; /healthz 503 after the window, /readyz names capture', async (t) => {
  const d = await startDaemon(t);
  await waitFor('a first completed tick', async () => (await d.get('/readyz')).status === 200, 5000, 20);
  assert.deepEqual(await d.get('/healthz'), { status: 200, body: { status: 'ok' } });

  d.state.captureHangs = true;
  d.scanner.next = report([child(201)]);
  const callsAtHang = d.scanner.calls;
  const sick = await waitFor('/healthz 503', async () => {
    const r = await d.get('/healthz');
    return r.status === 503 ? r : null;
  }, 10_000, 20);
  assert.equal(sick.body.status, 'failing');
  assert.match(String(sick.body.message), new RegExp(`no tick has completed for [0-9.]+ m?s \\(limit ${WINDOW_MS} ms\\); the last tick was abandoned at its deadline in the capture stage`));
  assert.ok(d.scanner.calls - callsAtHang >= 2, `the scheduler went on after abandoning a tick (${d.scanner.calls - callsAtHang} scans)`);
  const signals = d.state.captureSignals.slice(0, -1); // the last may belong to the tick still running
  assert.ok(signals.length >= 1 && signals.every((s) => s.aborted), 'every abandoned tick aborted its hung capture');
  const last = d.daemon.context.daemon.snapshot().lastTick!;
  assert.equal(last.abandonedIn, 'capture');
  assert.equal(last.ok, false);
  assert.match(last.errors[0]!.message, /tick deadline \(300 ms\) passed during the capture stage/);

  const ready = await waitFor('/readyz naming capture', async () => {
    const r = await d.get('/readyz');
    const n = /stage capture failing \((\d+) attempts in a row\): tick deadline/.exec(String(r.body.message));
    return r.status === 503 && n && Number(n[1]) >= 3 ? r : null;
  }, 5000, 20);
  assert.equal(ready.body.ready, false);
  assert.deepEqual((ready.body.failingStages as { stage: string }[]).map((f) => f.stage), ['capture']);
  assert.ok((await scanErrors(d.metrics, 'capture')) >= 3);

  // Recovery: the capture answers again; the child is confirmed, /healthz and /readyz come back.
  d.state.captureHangs = false;
  await waitFor('/healthz 200 again', async () => (await d.get('/healthz')).status === 200, 5000, 20);
  await waitFor('/readyz 200 again', async () => (await d.get('/readyz')).status === 200, 5000, 20);
  assert.equal(d.store.list({ state: 'confirmed' }).items.length, 1);
});

test('a scan that never settles: /healthz 503 naming the scan stage; /readyz names scan', async (t) => {
  const d = await startDaemon(t);
  await waitFor('a first completed tick', async () => (await d.get('/readyz')).status === 200, 5000, 20);
  d.state.scanHangs = true;
  const started = Date.now();
  const sick = await waitFor('/healthz 503', async () => {
    const r = await d.get('/healthz');
    return r.status === 503 ? r : null;
  }, 10_000, 20);
  assert.ok(Date.now() - started >= WINDOW_MS - INTERVAL_MS, `503 only after the liveness window (${Date.now() - started} ms)`);
  assert.match(String(sick.body.message), /abandoned at its deadline in the scan stage/);
  const ready = await d.get('/readyz');
  assert.equal(ready.status, 503);
  assert.match(String(ready.body.message), /no tick has completed|stage scan failing/);
  await waitFor('readiness names the scan stage', async () => (d.daemon.context.daemon.snapshot().health.failingStages[0]?.consecutiveFailures ?? 0) >= 3, 5000, 20);
  assert.equal(d.daemon.context.daemon.snapshot().health.failingStages[0]?.stage, 'scan');
});

/** A real unix datagram NOTIFY_SOCKET (Node cannot bind one): python3 prints each datagram as a JSON line. */
async function notifyListener(t: { after(fn: () => unknown): void }): Promise<{ path: string; messages: { at: number; text: string }[] }> {
  requireTool('python3');
  const dir = mkdtempSync(join(tmpdir(), 'fw-notify-sock-'));
  const path = join(dir, 'notify.sock');
  const script = [
    'import socket, sys, json',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    's.bind(sys.argv[1])',
    'print("listening", flush=True)',
    'while True:',
    '    print(json.dumps(s.recv(65536).decode("utf-8", "replace")), flush=True)',
  ].join('\n');
  const py: ChildProcess = spawn('python3', ['-c', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    py.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const messages: { at: number; text: string }[] = [];
  const lines = createInterface({ input: py.stdout! });
  await new Promise<void>((resolve, reject) => {
    py.once('error', reject);
    py.once('exit', (code) => reject(new Error(`python3 listener exited ${code}`)));
    lines.on('line', (line) => {
      if (line === 'listening') return resolve();
      messages.push({ at: Date.now(), text: JSON.parse(line) as string });
    });
  });
  return { path, messages };
}

test('systemd watchdog: WATCHDOG=1 (real systemd-notify, real NOTIFY_SOCKET) while ticks complete, none while they hang, again after', async (t) => {
  requireTool('systemd-notify');
  const sock = await notifyListener(t);
  const watchdog = createSystemdNotify({ env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '200000' }, pid: process.pid });
  const d = await startDaemon(t, [watchdog]);
  const pings = () => sock.messages.filter((m) => /^MAINPID=\d+\nWATCHDOG=1$/.test(m.text) || m.text.split('\n').includes('WATCHDOG=1'));
  await waitFor('3 watchdog pings while ticks complete', async () => pings().length >= 3, 10_000, 20);
  assert.ok(pings().every((m) => m.text.includes(`MAINPID=${process.pid}`)), 'pings name our pid');
  assert.ok(sock.messages.some((m) => m.text.split('\n').includes('READY=1')), 'READY=1 after the first ok tick');

  d.state.scanHangs = true;
  await waitFor('/healthz 503', async () => (await d.get('/healthz')).status === 503, 10_000, 20);
  await new Promise((r) => setTimeout(r, 500)); // a ping spawned just before may still arrive
  const held = pings().length;
  await new Promise((r) => setTimeout(r, 800)); // 8 ping periods
  assert.equal(pings().length, held, 'no WATCHDOG=1 while no tick completes');

  d.state.scanHangs = false;
  await waitFor('pings resume once ticks complete', async () => pings().length >= held + 2, 10_000, 20);
});

test('systemd watchdog: pings only when WATCHDOG_USEC is set and WATCHDOG_PID (if any) is us; the unit sets WatchdogSec=', () => {
  assert.equal(watchdogPingMs({ NOTIFY_SOCKET: '/run/x' }, 42), null, 'no WATCHDOG_USEC: no watchdog');
  assert.equal(watchdogPingMs({ WATCHDOG_USEC: '60000000' }, 42), null, 'no NOTIFY_SOCKET: nowhere to ping');
  assert.equal(watchdogPingMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '60000000' }, 42), 30_000);
  assert.equal(watchdogPingMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '42' }, 42), 30_000);
  assert.equal(watchdogPingMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '43' }, 42), null, 'meant for another process');
  assert.equal(watchdogPingMs({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: 'soon' }, 42), null);
  const unit = readFileSync(new URL('../../deploy/systemd/forkwatch.service', import.meta.url), 'utf8');
  const m = /^WatchdogSec=(\d+)s$/m.exec(unit);
  assert.ok(m, 'deploy/systemd/forkwatch.service sets WatchdogSec=');
  assert.ok(Number(m[1]) >= 30, 'WatchdogSec= leaves room for a slow start');
});
