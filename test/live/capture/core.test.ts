/**
 * Live: cores of the suite's deadlocked C program's hung child with the real
 * gcore. The real daemon (`forkwatch run`, core.enabled) writes a core that
 * gdb opens and unwinds into the atfork handler, names it in the evidence,
 * the bundle and GET .../core (token), before remediation's decision; the
 * child is the same, sleeping, untraced process afterwards. In-process: a
 * tiny core.maxBytes is refused up front, a core growing past it is killed
 * mid-way with no partial file left and the child unharmed, core.enabled
 * false writes nothing, and the retention sweep deletes cores of pruned and
 * long-resolved incidents. gcore and gdb are required: a missing one fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeadlocker, type Deadlocker } from '../../helpers/deadlocker.js';
import { requireTool } from '../../helpers/native-build.js';
import { procHealth, type ProcHealth } from '../../helpers/proc-health.js';
import { runDaemon, writeDaemonConfig } from '../../helpers/daemon-process.js';
import { waitFor } from '../../helpers/wait.js';
import { resolveConfig } from '../../../src/config/load.js';
import { resolveTracerTools, withResolvedTools } from '../../../src/capture/tools.js';
import { openStore } from '../../../src/record/index.js';
import type { IncidentStore } from '../../../src/record/types.js';
import { readStartTimeMs } from '../../../src/capture/identity.js';
import { takeCore, type CoreResult } from '../../../src/capture/core.js';
import { coresDir } from '../../../src/capture/core-files.js';
import { createBundleExtension } from '../../../src/bundle/extension.js';
import { sweepCores } from '../../../src/bundle/core-step.js';
import { createMetrics } from '../../../src/extension/metrics.js';
import type { ExtensionContext } from '../../../src/extension/context.js';
import { silentLogger } from '../../../src/util/logger.js';

const TOKEN = 'live-core-token-0123456789';

/** Same process, sleeping (its futex wait), untraced: now and a moment later (a pending SIGSTOP acts when it next runs). */
async function assertUnharmed(pid: number, was: ProcHealth, what: string): Promise<void> {
  for (const wait of [0, 200]) {
    await new Promise((r) => setTimeout(r, wait));
    const h = procHealth(pid);
    assert.equal(h.startTicks, was.startTicks, `${what}: same start time`);
    assert.equal(h.state, 'S', `${what}: state S (not stopped), got ${h.state}`);
    assert.equal(h.tracerPid, 0, `${what}: not traced`);
  }
}

function gdbBacktrace(binary: string, core: string): string {
  return execFileSync('gdb', ['-batch', '-nx', '-iex', 'set debuginfod enabled off', '-ex', 'bt', binary, core], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

// ---------------------------------------------------------------- real daemon

interface IncidentJson {
  id: string;
  childPid: number;
  state: string;
  evidence: { extra?: { core?: CoreResult } };
  audit: { at: number; outcome: string; mode: string | null }[];
}

test(
  "real daemon, core.enabled: the hung child's core is written (0600 in a 0700 dir), named in evidence, bundle and API, opens in gdb at the atfork handler; child unharmed; before remediation",
  { timeout: 180_000 },
  async (t) => {
    requireTool('gcore');
    requireTool('gdb');
    requireTool('eu-stack');
    const dl = await startDeadlocker({ hung: 1 });
    t.after(() => dl.stop());
    const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-core-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const maxBytes = 256 * 1024 * 1024;
    const configPath = writeDaemonConfig(dir, {
      interval: '1s',
      hungAfter: '1s',
      auth: { token: TOKEN },
      targets: [{ name: 'jenkins', pid: dl.pid }],
      core: { enabled: true, maxBytes },
      // dry-run: remediation decides (after the core) but leaves the child alone, so "unharmed" can be checked.
      remediation: { mode: 'dry-run', signatures: ['*', 'proven-blocked'] },
    });
    const [hung] = dl.pidsOf('hung');
    const was = procHealth(hung!);
    const d = await runDaemon(configPath, join(dir, 'daemon.log'));
    t.after(() => d.kill());

    const incident = await waitFor(
      "the hung child's incident with a core outcome and a remediation decision",
      async () => {
        const page = (await (await fetch(`${d.url}/api/v1/incidents?limit=100`)).json()) as {
          items: { id: string; childPid: number }[];
        };
        const item = page.items.find((i) => i.childPid === hung);
        if (!item) return null;
        const full = (await (await fetch(`${d.url}/api/v1/incidents/${item.id}`)).json()) as IncidentJson;
        return full.evidence.extra?.core && full.audit.length > 0 ? full : null;
      },
      40_000,
    );
    const core = incident.evidence.extra!.core!;
    console.log(
      `core: ${core.bytes} bytes (estimate ${core.estimateBytes}) in ${core.durationMs} ms; remediation decided ${incident.audit[0]!.at - (core.takenAt + core.durationMs)} ms after it`,
    );
    assert.equal(core.outcome, 'written', `core outcome: ${core.reason}`);
    assert.ok(core.path && core.path.startsWith(join(dir, 'state', 'cores') + '/'), `core path ${core.path}`);
    assert.equal(core.path, join(dir, 'state', 'cores', `${incident.id}.${hung}`));
    const st = statSync(core.path);
    assert.equal(st.size, core.bytes);
    assert.ok(core.bytes! > 1024 * 1024 && core.bytes! <= maxBytes, `size ${core.bytes}`);
    assert.equal(st.mode & 0o777, 0o600, 'core file 0600');
    assert.equal(statSync(join(dir, 'state', 'cores')).mode & 0o777, 0o700, 'cores dir 0700');
    assert.equal(createHash('sha256').update(readFileSync(core.path)).digest('hex'), core.sha256);
    // The estimate it was checked against is honest: within 10 % of what gcore wrote.
    assert.ok(
      Math.abs(core.estimateBytes! - core.bytes!) <= core.bytes! * 0.1,
      `estimate ${core.estimateBytes} vs ${core.bytes}`,
    );
    assert.deepEqual(
      core.targetAfter && {
        sameProcess: core.targetAfter.sameProcess,
        stopped: core.targetAfter.stopped,
        traced: core.targetAfter.traced,
      },
      { sameProcess: true, stopped: false, traced: false },
    );
    // Bundle before remediation: the decision comes after the core was finished.
    assert.equal(incident.audit[0]!.mode, 'dry-run');
    // The dump did not make the child look changed to remediation's checks (no-progress, blocked, identity).
    assert.equal(
      incident.audit[0]!.outcome,
      'skipped',
      `dry-run decision after the core: ${JSON.stringify(incident.audit[0])}`,
    );
    assert.ok(
      incident.audit[0]!.at >= core.takenAt + Math.floor(core.durationMs),
      'remediation decided after the core',
    );
    await assertUnharmed(hung!, was, 'hung child after gcore');

    // A real core: gdb unwinds it into the atfork child handler.
    const bt = gdbBacktrace(dl.binary, core.path);
    assert.match(bt, /atfork_child_handler/, `gdb bt on the core:\n${bt}`);
    assert.match(bt, /pthread_mutex_lock|__lll_lock_wait/, `gdb bt on the core:\n${bt}`);

    // Bundle names it, never inlines it.
    const bundle = (await (await fetch(`${d.url}/api/v1/incidents/${incident.id}/bundle`)).json()) as {
      core: Record<string, unknown>;
    };
    assert.equal(bundle.core.implemented, true);
    assert.equal(bundle.core.enabled, true);
    assert.equal(bundle.core.path, core.path);
    assert.equal(bundle.core.bytes, core.bytes);
    assert.equal(bundle.core.sha256, core.sha256);
    // The API serves it with the token only.
    assert.equal((await fetch(`${d.url}/api/v1/incidents/${incident.id}/core`)).status, 401);
    const res = await fetch(`${d.url}/api/v1/incidents/${incident.id}/core`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.length, core.bytes);
    assert.equal(createHash('sha256').update(body).digest('hex'), core.sha256);
    assert.ok(d.logs().some((l) => l.msg === 'core of the hung child written' && l.incident === incident.id));
  },
);

// ---------------------------------------------------------------- in-process

function inProcess(
  t: { after: (fn: () => void | Promise<void>) => void },
  core: Record<string, unknown>,
  dl: Deadlocker,
) {
  const stateDir = mkdtempSync(join(tmpdir(), 'forkwatch-core-'));
  // As `forkwatch run` does at start: tools resolved to absolute paths (the box runs nothing else).
  const raw = resolveConfig({ stateDir, targets: [{ name: 'jenkins', pid: dl.pid }], core }, 'test');
  const config = withResolvedTools(raw, resolveTracerTools(raw.tools));
  const store = openStore({ stateDir, host: 'h', sinks: [], logger: silentLogger() });
  t.after(() => {
    store.close();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const ctx = {
    config,
    store,
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: 'none' }),
  } as unknown as ExtensionContext;
  return { stateDir, config, store, ctx };
}

function confirmIncident(store: IncidentStore, dl: Deadlocker, childPid: number): string {
  const targetStartMs = readStartTimeMs('/proc', dl.pid)!;
  const childStartMs = readStartTimeMs('/proc', childPid)!;
  const { opened } = store.observeSuspects(Date.now(), [
    { targetName: 'jenkins', targetPid: dl.pid, targetStartMs, targetUser: 'root', childPid, childStartMs },
  ]);
  const id = opened[0]!.id;
  store.confirm(id, {
    signatureId: 'proven_blocked',
    signatureTitle: 'blocked',
    signatureVersion: null,
    severity: 'critical',
    fingerprint: null,
  });
  return id;
}

/** gcore's absolute path, as the daemon resolves it at start. */
const GCORE = (): string => resolveTracerTools(resolveConfig({}, 'test').tools).tracers.gcore ?? '';

const fakeSummary = {} as Parameters<NonNullable<ReturnType<typeof createBundleExtension>['afterTick']>>[0];

test(
  'in-process: core.enabled false writes nothing; a tiny core.maxBytes is refused up front; the child is unharmed',
  { timeout: 60_000 },
  async (t) => {
    requireTool('gcore');
    const dl = await startDeadlocker({ hung: 1 });
    t.after(() => dl.stop());
    const [hung] = dl.pidsOf('hung');
    const was = procHealth(hung!);

    const off = inProcess(t, { enabled: false }, dl);
    const idOff = confirmIncident(off.store, dl, hung!);
    await createBundleExtension().afterTick!(fakeSummary, off.ctx);
    assert.equal(off.store.get(idOff)!.evidence.extra?.core, undefined, 'no core outcome recorded');
    assert.ok(
      !existsSync(coresDir(off.stateDir)) || readdirSync(coresDir(off.stateDir)).length === 0,
      'nothing written',
    );

    const tiny = inProcess(t, { enabled: true, maxBytes: 1024 * 1024 }, dl);
    const idTiny = confirmIncident(tiny.store, dl, hung!);
    await createBundleExtension().afterTick!(fakeSummary, tiny.ctx);
    const core = tiny.store.get(idTiny)!.evidence.extra?.core as CoreResult;
    assert.equal(core.outcome, 'refused');
    assert.match(core.reason!, /estimated core size \d+ bytes .* exceeds core\.maxBytes 1048576/);
    assert.equal(core.path, null);
    assert.ok(!existsSync(coresDir(tiny.stateDir)) || readdirSync(coresDir(tiny.stateDir)).length === 0, 'no file');
    await assertUnharmed(hung!, was, 'after the refusal');
  },
);

test(
  'in-process: gcore killed mid-way when the file passes maxBytes (estimate skipped): no partial file, child unharmed (SIGCONT repair if needed)',
  { timeout: 60_000 },
  async (t) => {
    requireTool('gcore');
    const dl = await startDeadlocker({ hung: 1 });
    t.after(() => dl.stop());
    const [hung] = dl.pidsOf('hung');
    await new Promise((r) => setTimeout(r, 200));
    const was = procHealth(hung!);
    const dir = mkdtempSync(join(tmpdir(), 'forkwatch-core-abort-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = await takeCore(
      { incidentId: '0123456789abcdef', pid: hung!, startTimeMs: readStartTimeMs('/proc', hung!)! },
      {
        dir,
        maxBytes: 1024 * 1024,
        gcorePath: GCORE(),
        timeoutMs: 30_000,
        procRoot: '/proc',
        estimate: false,
        pollMs: 5,
      },
    );
    console.log(`aborted core: ${r.reason} in ${r.durationMs} ms; targetAfter ${JSON.stringify(r.targetAfter)}`);
    assert.equal(r.outcome, 'aborted', `outcome ${r.outcome}: ${r.reason}`);
    assert.match(r.reason!, /passed core\.maxBytes 1048576 .* gcore killed, partial file deleted/);
    assert.deepEqual(readdirSync(dir), [], 'no partial file');
    assert.equal(r.targetAfter?.sameProcess, true);
    assert.equal(r.targetAfter?.stopped, false);
    assert.equal(r.targetAfter?.traced, false);
    await assertUnharmed(hung!, was, 'after gcore was killed mid-way');
    // No gdb of ours left behind (gcore's process group was killed, not only the script).
    const strays = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`attach ${hung}`);
        } catch {
          return false;
        }
      });
    assert.deepEqual(strays, [], 'no gdb still attached to the child');
    // And a normal core still works after that (the child is not wedged in a stop).
    const ok = await takeCore(
      { incidentId: 'fedcba9876543210', pid: hung!, startTimeMs: readStartTimeMs('/proc', hung!)! },
      { dir, maxBytes: 256 * 1024 * 1024, gcorePath: GCORE(), timeoutMs: 30_000, procRoot: '/proc' },
    );
    assert.equal(ok.outcome, 'written', ok.reason ?? '');
    await assertUnharmed(hung!, was, 'after a full core');
  },
);

test(
  'in-process: retention sweep deletes cores of long-resolved and pruned incidents and files of unknown incidents; keeps open ones and foreign files',
  { timeout: 60_000 },
  async (t) => {
    requireTool('gcore');
    const dl = await startDeadlocker({ hung: 2 });
    t.after(() => dl.stop());
    const [a, b] = dl.pidsOf('hung');
    const s = inProcess(t, { enabled: true }, dl);
    const idA = confirmIncident(s.store, dl, a!);
    const idB = confirmIncident(s.store, dl, b!);
    await createBundleExtension().afterTick!(fakeSummary, s.ctx);
    const pathA = (s.store.get(idA)!.evidence.extra!.core as CoreResult).path!;
    const pathB = (s.store.get(idB)!.evidence.extra!.core as CoreResult).path!;
    assert.ok(existsSync(pathA) && existsSync(pathB), 'both cores written');
    const dir = coresDir(s.stateDir);
    writeFileSync(join(dir, 'aaaaaaaaaaaaaaaa.999'), 'orphan'); // a core whose incident is not in the store
    writeFileSync(join(dir, 'README'), 'not a core'); // not ours: left alone

    // A is resolved (its child is gone from the scan); B stays open.
    const resolvedAt = Date.now();
    s.store.resolveMissing(resolvedAt, [s.store.get(idB)!.key], ['jenkins']);
    assert.equal(s.store.get(idA)!.state, 'resolved');
    const deps = { config: s.config, store: s.store, logger: silentLogger() };
    // Within retention: only the orphan goes.
    assert.equal(sweepCores({ ...deps, now: () => resolvedAt + 1000 }), 1);
    assert.ok(existsSync(pathA) && existsSync(pathB));
    assert.ok(!existsSync(join(dir, 'aaaaaaaaaaaaaaaa.999')));
    // Past retention: A's core goes, and its evidence says so; B (open) stays.
    const later = resolvedAt + s.config.retentionMs + 1;
    assert.equal(sweepCores({ ...deps, now: () => later }), 1);
    assert.ok(!existsSync(pathA) && existsSync(pathB));
    const coreA = s.store.get(idA)!.evidence.extra!.core as CoreResult;
    assert.equal(coreA.deletedAt, later);
    assert.match(coreA.deletedReason!, /retention/);
    // Pruned incidents: B's core goes once B is resolved and pruned.
    s.store.resolveMissing(resolvedAt, [], ['jenkins']);
    assert.equal(s.store.pruneResolved(later), 2);
    assert.equal(sweepCores({ ...deps, now: () => later }), 1, "B's core goes once its incident is pruned");
    assert.deepEqual(readdirSync(dir), ['README']);
  },
);
