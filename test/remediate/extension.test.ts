/**
 * Remediation through the daemon (fake scan/evidence/match stages, a real
 * store, a fake /proc tree that agrees with the scan) and through
 * POST /api/v1/incidents/:id/kill. SIGKILL is replaced by a recorder: what
 * would have been signalled is asserted, nothing real is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDaemon } from '../../src/daemon/index.js';
import { createMetrics, type Metrics } from '../../src/extension/metrics.js';
import { silentLogger } from '../../src/util/logger.js';
import { createRemediationExtension, MAX_REFUSALS } from '../../src/remediate/extension.js';
import { createBundleExtension } from '../../src/bundle/extension.js';
import { createFakeProc, FAKE_BTIME, FAKE_CLK_TCK, type FakeProc } from '../helpers/fake-proc.js';
import {
  DEADLOCK_FRAMES,
  child,
  fakeEvidence,
  fakeMatcher,
  fakeScanner,
  report,
  tempStore,
  testConfig,
  TARGET_START,
} from '../expose/fakes.js';

const TOKEN = 'remediation-test-token-0123456789';
const CHILD = 201;
const TARGET = 100;
// fakeEvidence's kernel sample: the fake /proc must show the same wait.
const SYSCALL = '202 0x1 0x80 0x2 0x0 0x0 0x0 0x7ff 0x7ff';

async function value(m: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return metric?.values.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value ?? 0;
}

/** /proc agreeing with fakes.ts: target 100 (40 threads), hung child 201 of it, same image. */
function fakeProc(): FakeProc {
  const fake = createFakeProc();
  const java = fake.binary('java');
  const cmdline = ['java', '-jar', 'jenkins.war'];
  const ticks = (ms: number) => Math.round(((ms - FAKE_BTIME * 1000) * FAKE_CLK_TCK) / 1000);
  fake.add({ pid: TARGET, ppid: 1, cmdline, exe: java, threads: 40, startTicks: ticks(TARGET_START + TARGET) });
  fake.add({
    pid: CHILD,
    ppid: TARGET,
    cmdline,
    exe: java,
    threads: 1,
    comm: 'SCM polling f',
    startTicks: ticks(TARGET_START + CHILD),
  });
  writeFileSync(join(fake.root, String(CHILD), 'syscall'), `${SYSCALL}\n`);
  // As the kernel's /proc/self: this /proc is forkwatch's own pid namespace.
  symlinkSync(String(process.pid), join(fake.root, 'self'));
  return fake;
}

function setup(
  t: { after: (fn: () => void | Promise<void>) => void },
  remediation: Record<string, unknown>,
  over: { token?: boolean } = {},
) {
  const fake = fakeProc();
  const s = tempStore(['slack']);
  const signalled: number[] = [];
  const metrics = createMetrics({ defaultMetrics: 'none' });
  const config = testConfig({
    procRoot: fake.root,
    remediation,
    ...(over.token === false ? {} : { auth: { token: TOKEN } }),
  });
  const daemon = createDaemon({
    config,
    logger: silentLogger(),
    store: s.store,
    metrics,
    stages: {
      scanner: fakeScanner(report([child(CHILD)])),
      evidence: fakeEvidence(new Map([[CHILD, DEADLOCK_FRAMES]])),
      matcher: fakeMatcher(),
    },
    extensions: [
      createBundleExtension(),
      createRemediationExtension({ signal: (pid) => signalled.push(pid), clockTicks: FAKE_CLK_TCK }),
    ],
  });
  t.after(async () => {
    await daemon.stop();
    s.cleanup();
    fake.cleanup();
  });
  return { daemon, store: s.store, signalled, metrics, fake };
}

async function started(
  t: Parameters<typeof setup>[0],
  remediation: Record<string, unknown>,
  over: { token?: boolean } = {},
) {
  const s = setup(t, remediation, over);
  await s.daemon.start({ listen: false, schedule: false });
  return s;
}

test('kill mode: the confirmed child is signalled once, after its evidence and target facts are stored; the incident is remediated', async (t) => {
  const s = await started(t, { mode: 'kill' });
  await s.daemon.runScan();
  assert.deepEqual(s.signalled, [CHILD]);
  const [inc] = s.store.list({}).items;
  const full = s.store.get(inc!.id)!;
  assert.equal(full.state, 'remediated');
  const kill = full.audit.find((a) => a.action === 'remediate')!;
  assert.equal(kill.outcome, 'killed');
  assert.equal(kill.mode, 'kill');
  assert.match(kill.detail, /sent SIGKILL to pid 201/);
  const data = kill.data as {
    evidence: { stackCaptured: boolean; captureAt: number };
    checksPassed: string[];
    signal: string;
  };
  assert.equal(data.evidence.stackCaptured, true, 'the stack was stored before the signal');
  assert.ok(data.evidence.captureAt <= kill.at);
  assert.equal(data.checksPassed.length, 9);
  assert.equal(data.signal, 'SIGKILL');
  assert.ok(full.evidence.extra?.targetFacts, 'target facts stored (bundle extension runs first)');
  assert.equal(await value(s.metrics, 'forkwatch_remediations_total', { mode: 'kill', outcome: 'killed' }), 1);
  assert.equal(
    await value(s.metrics, 'forkwatch_hung_children', { target: 'jenkins', signature: 'atfork-mutex' }),
    1,
    'gauge is from the tick, before the kill',
  );
  await s.daemon.runScan();
  assert.deepEqual(s.signalled, [CHILD], 'never twice');
  assert.equal(s.store.get(inc!.id)!.audit.filter((a) => a.action === 'remediate').length, 1);
});

test('dry-run: every check runs, nothing is signalled, one audit record says so', async (t) => {
  const s = await started(t, { mode: 'dry-run' });
  await s.daemon.runScan();
  await s.daemon.runScan();
  assert.deepEqual(s.signalled, []);
  const full = s.store.get(s.store.list({}).items[0]!.id)!;
  assert.equal(full.state, 'confirmed');
  const recs = full.audit.filter((a) => a.action === 'remediate');
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.mode, 'dry-run');
  assert.equal(recs[0]!.outcome, 'skipped');
  assert.match(recs[0]!.detail, /^dry-run: every check passed; would send SIGKILL to pid 201 \(nothing sent\)/);
  assert.equal(await value(s.metrics, 'forkwatch_remediations_total', { mode: 'dry_run', outcome: 'skipped' }), 1);
});

test('a signature not in remediation.signatures is recorded once as not eligible and never signalled', async (t) => {
  const s = await started(t, { mode: 'kill', signatures: ['illumos-1667-pkcs11-atfork'] });
  await s.daemon.runScan();
  await s.daemon.runScan();
  assert.deepEqual(s.signalled, []);
  const recs = s.store.get(s.store.list({}).items[0]!.id)!.audit;
  assert.equal(recs.length, 1);
  assert.match(recs[0]!.detail, /not eligible: signature atfork-mutex is not in remediation.signatures/);
});

test('minAge not reached: nothing recorded yet, nothing signalled', async (t) => {
  const s = await started(t, { mode: 'kill', minAge: '3650d' });
  await s.daemon.runScan();
  assert.deepEqual(s.signalled, []);
  assert.equal(s.store.get(s.store.list({}).items[0]!.id)!.audit.length, 0);
});

test('pid reused after confirmation (another start time in /proc): refused, never signalled, retried a bounded number of times', async (t) => {
  const s = await started(t, { mode: 'kill' });
  s.fake.update(CHILD, { startTicks: 999_999 });
  writeFileSync(join(s.fake.root, String(CHILD), 'syscall'), `${SYSCALL}\n`);
  for (let i = 0; i < MAX_REFUSALS + 2; i++) await s.daemon.runScan();
  assert.deepEqual(s.signalled, []);
  const full = s.store.get(s.store.list({}).items[0]!.id)!;
  assert.equal(full.state, 'confirmed');
  const recs = full.audit.filter((a) => a.action === 'remediate');
  assert.equal(recs.length, MAX_REFUSALS);
  for (const r of recs) {
    assert.equal(r.outcome, 'refused');
    assert.match(r.detail, /child-identity: pid 201 started .*another process/);
  }
  assert.equal(
    await value(s.metrics, 'forkwatch_remediations_total', { mode: 'kill', outcome: 'refused' }),
    MAX_REFUSALS,
  );
});

test('POST /api/v1/incidents/:id/kill: token, 403 when off, 200 killed, 409 once done or when the identity changed, 404 unknown', async (t) => {
  const off = await started(t, { mode: 'off' });
  await off.daemon.runScan();
  const offApp = await off.daemon.buildApp();
  const offId = off.store.list({}).items[0]!.id;
  const noToken = await offApp.inject({ method: 'POST', url: `/api/v1/incidents/${offId}/kill` });
  assert.equal(noToken.statusCode, 401);
  const refusedOff = await offApp.inject({
    method: 'POST',
    url: `/api/v1/incidents/${offId}/kill`,
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: {},
  });
  assert.equal(refusedOff.statusCode, 403);
  assert.match(refusedOff.json().message, /remediation.mode is off/);
  assert.deepEqual(off.signalled, []);
  assert.equal(off.store.get(offId)!.audit.length, 0, 'off: nothing read, nothing recorded');

  // The daemon's own remediation must not get there first: a policy that never qualifies.
  const s = await started(t, { mode: 'kill', signatures: ['none-such'] });
  await s.daemon.runScan();
  const app = await s.daemon.buildApp();
  const id = s.store.list({}).items[0]!.id;
  const auth = { authorization: `Bearer ${TOKEN}` };
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/incidents/ffffffffffffffff/kill', headers: auth, payload: {} }))
      .statusCode,
    404,
  );
  const ok = await app.inject({
    method: 'POST',
    url: `/api/v1/incidents/${id}/kill`,
    headers: auth,
    payload: { reason: 'INC-42' },
  });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().outcome, 'killed');
  assert.equal(ok.json().state, 'remediated');
  assert.deepEqual(s.signalled, [CHILD]);
  const audit = s.store.get(id)!.audit.find((a) => a.action === 'operator-kill')!;
  assert.match(audit.actor ?? '', /^api:/);
  assert.equal((audit.data as { reason: string }).reason, 'operator: INC-42');
  const again = await app.inject({ method: 'POST', url: `/api/v1/incidents/${id}/kill`, headers: auth });
  assert.equal(again.statusCode, 409);
  assert.match(again.json().message, /incident is remediated/);
  assert.deepEqual(s.signalled, [CHILD]);
});

test('POST kill on a child whose identity no longer matches: 409 naming the failed check; dry-run answers 200 without a signal', async (t) => {
  const s = await started(t, { mode: 'kill', signatures: ['none-such'] });
  await s.daemon.runScan();
  const app = await s.daemon.buildApp();
  const id = s.store.list({}).items[0]!.id;
  s.fake.update(CHILD, { startTicks: 999_999 });
  writeFileSync(join(s.fake.root, String(CHILD), 'syscall'), `${SYSCALL}\n`);
  const stale = await app.inject({
    method: 'POST',
    url: `/api/v1/incidents/${id}/kill`,
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: {},
  });
  assert.equal(stale.statusCode, 409);
  assert.match(stale.json().message, /^refused: child-identity: pid 201 started/);
  assert.deepEqual(s.signalled, []);

  const d = await started(t, { mode: 'dry-run', signatures: ['none-such'] });
  await d.daemon.runScan();
  const dApp = await d.daemon.buildApp();
  const dId = d.store.list({}).items[0]!.id;
  const dry = await dApp.inject({
    method: 'POST',
    url: `/api/v1/incidents/${dId}/kill`,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    payload: '{}',
  });
  assert.equal(dry.statusCode, 200, dry.body);
  assert.equal(dry.json().outcome, 'skipped');
  assert.match(dry.json().message, /^dry-run: /);
  assert.deepEqual(d.signalled, []);
  assert.equal(d.store.get(dId)!.state, 'confirmed');
});
