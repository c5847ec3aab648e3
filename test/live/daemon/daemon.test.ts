/**
 * Live, end to end: the REAL daemon (`node --import tsx src/cli/index.ts run`, a
 * separate process) beside the suite's deadlocked C program and its decoys.
 * Hung children become confirmed incidents with stack evidence, decoys do
 * not; /metrics has the values and passes promtool; kill -9 and restart
 * neither duplicates nor loses an incident; killing the hung children
 * resolves their incidents; SIGTERM stops the daemon with exit 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeadlocker } from '../../helpers/deadlocker.js';
import { requireTool } from '../../helpers/native-build.js';
import { runDaemon, writeDaemonConfig } from '../../helpers/daemon-process.js';
import { waitFor } from '../../helpers/wait.js';
import { metricValue } from '../../helpers/metrics-text.js';
import { DAEMON_NODE_FLAGS, daemonEnvWords } from '../../../src/daemon/node-flags.js';

const WAIT_MS = 30_000;

const TOKEN = 'live-test-token-0123456789';

async function getJson<T = Record<string, unknown>>(base: string, path: string): Promise<T> {
  const res = await fetch(base + path);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

interface IncidentItem {
  id: string;
  childPid: number;
  state: string;
  signatureId: string | null;
  confirmedAt: number | null;
}

async function allIncidents(base: string): Promise<IncidentItem[]> {
  const out: IncidentItem[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: IncidentItem[]; nextCursor: string | null } = await getJson(
      base,
      `/api/v1/incidents?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

test(
  'the real daemon confirms hung children, ignores decoys, survives kill -9, resolves killed children',
  { timeout: 180_000 },
  async (t) => {
    requireTool('promtool', ['--version']);
    requireTool('eu-stack', ['--version']);
    const dl = await startDeadlocker({ hung: 2, exec: true, busy: true, sleeper: true, accepter: true, zombie: true });
    t.after(() => dl.stop());
    const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-daemon-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const configPath = writeDaemonConfig(dir, {
      interval: '1s',
      hungAfter: '1s',
      auth: { token: TOKEN },
      targets: [{ name: 'jenkins', pid: dl.pid }],
    });
    const hung = dl.pidsOf('hung');
    const decoys = (['exec', 'busy', 'sleeper', 'accepter', 'zombie'] as const).flatMap((r) => dl.pidsOf(r));
    assert.equal(hung.length, 2);
    assert.equal(decoys.length, 5);

    let d = await runDaemon(configPath, join(dir, 'daemon-1.log'));
    t.after(() => d.kill());
    const flagWarning = (l: Record<string, unknown>) => Array.isArray(l.missing) && l.level === 40;
    assert.equal(d.logs().filter(flagWarning).length, 0, 'started with the daemon node flags: no warning');

    // 1. Hung children confirmed, with stack evidence.
    const confirmed = await waitFor(
      'both hung children confirmed',
      async () => {
        const items = (await allIncidents(d.url)).filter((i) => i.state === 'confirmed');
        return hung.every((p) => items.some((i) => i.childPid === p)) ? items : null;
      },
      WAIT_MS,
    );
    // Let a few more ticks pass: a decoy must not be confirmed later (kernel proof needs ≥2 scans).
    await new Promise((r) => setTimeout(r, 4000));
    const afterWait = await allIncidents(d.url);
    for (const pid of decoys) {
      const inc = afterWait.find((i) => i.childPid === pid && i.confirmedAt !== null);
      assert.equal(
        inc,
        undefined,
        `decoy ${pid} (${dl.children.find((c) => c.pid === pid)?.role}) was confirmed: ${JSON.stringify(inc)}`,
      );
    }
    assert.ok(
      !afterWait.some((i) => dl.pidsOf('exec').includes(i.childPid) || dl.pidsOf('zombie').includes(i.childPid)),
      'exec/zombie decoys are not even suspects',
    );
    // A busy worker that one read caught between the runqueue and sleep is sampled twice a second apart
    // before any tracer: its CPU time grows, so it is never traced and opens no incident.
    assert.ok(
      !afterWait.some((i) => dl.pidsOf('busy').includes(i.childPid)),
      `the busy decoy opened an incident: ${JSON.stringify(afterWait.filter((i) => dl.pidsOf('busy').includes(i.childPid)))}`,
    );
    for (const inc of confirmed.filter((i) => hung.includes(i.childPid))) {
      const full = await getJson<{
        signatureId: string;
        evidence: { stack: { threads: { frames: { fn: string | null }[] }[] }; stackRaw: string };
      }>(d.url, `/api/v1/incidents/${inc.id}`);
      assert.ok(
        full.signatureId && full.signatureId !== 'unknown',
        `signature of ${inc.childPid}: ${full.signatureId}`,
      );
      const fns = full.evidence.stack.threads[0]!.frames.map((f) => f.fn);
      assert.ok(
        fns.includes('pthread_mutex_lock') || fns.includes('take_held_lock_in_child'),
        `frames: ${fns.join(' < ')}`,
      );
      assert.ok(full.evidence.stackRaw.length > 0);
    }
    const incidentLog = d.logs().find((l) => l.to === 'confirmed' && l.childPid === hung[0]);
    assert.ok(incidentLog, 'an incident log line for the hung child');
    for (const k of ['target', 'childPid', 'childStartTime', 'signature'])
      assert.ok(incidentLog[k] !== undefined, `log line lacks ${k}`);

    // A second daemon on the same stateDir is refused at start, naming this one, and this one goes on.
    await assert.rejects(runDaemon(configPath, join(dir, 'daemon-second.log')), (err: Error) => {
      assert.match(err.message, /exited with 73/);
      assert.match(err.message, new RegExp(`in use by another forkwatch \\(pid ${d.pid} on `));
      return true;
    });
    assert.equal((await fetch(`${d.url}/readyz`)).status, 200);

    // 2. /metrics values and promtool.
    const metrics = await (await fetch(`${d.url}/metrics`)).text();
    const signature = confirmed.find((i) => i.childPid === hung[0])!.signatureId!;
    process.stdout.write(`# live daemon: hung children ${hung.join(', ')} confirmed as ${signature}\n`);
    const hungBySig = confirmed.filter((i) => hung.includes(i.childPid) && i.signatureId === signature).length;
    assert.equal(
      metricValue(metrics, 'forkwatch_hung_children', `target="jenkins",signature="${signature}"`),
      hungBySig,
    );
    assert.equal(metricValue(metrics, 'forkwatch_target_up', 'target="jenkins"'), 1);
    assert.equal(metricValue(metrics, 'forkwatch_target_processes', 'target="jenkins"'), 1);
    assert.equal(metricValue(metrics, 'forkwatch_children', 'target="jenkins",classification="zombie"'), 1);
    assert.equal(metricValue(metrics, 'forkwatch_children', 'target="jenkins",classification="execed"'), 1);
    assert.equal(metricValue(metrics, 'forkwatch_children', 'target="jenkins",classification="never_execed"'), 5);
    // busy, sleeper and accepter are never-exec'd too, but classify sees them make progress: not overdue.
    assert.equal(metricValue(metrics, 'forkwatch_overdue_children', 'target="jenkins"'), 2);
    assert.ok(metricValue(metrics, 'forkwatch_oldest_overdue_child_age_seconds', 'target="jenkins"')! >= 1);
    assert.equal(metricValue(metrics, 'forkwatch_incidents_opened_total', `signature="${signature}"`), hungBySig);
    assert.ok(metricValue(metrics, 'forkwatch_scans_total', 'outcome="ok"')! >= 3);
    assert.ok(metricValue(metrics, 'forkwatch_captures_total', 'backend="eu-stack",outcome="ok"')! >= 2);
    assert.ok(
      Math.abs(metricValue(metrics, 'forkwatch_last_successful_scan_timestamp_seconds', '')! - Date.now() / 1000) < 10,
    );
    const promFile = join(dir, 'metrics.txt');
    writeFileSync(promFile, metrics);
    const promtool = execFileSync('sh', ['-c', 'promtool check metrics < "$1" 2>&1; echo "rc=$?"', 'sh', promFile], {
      encoding: 'utf8',
    });
    assert.equal(promtool.trim(), 'rc=0', `promtool check metrics:\n${promtool}`);

    // 3. kill -9, restart: same incidents, none duplicated or lost, still confirmed.
    const before = await allIncidents(d.url);
    await d.kill('SIGKILL');
    assert.equal(await d.exited, null);
    // Restarted by hand without the node flags and environment: it runs, and says what is missing.
    d = await runDaemon(configPath, join(dir, 'daemon-2.log'), { nodeFlags: [], daemonEnv: false });
    assert.deepEqual(
      d
        .logs()
        .filter(flagWarning)
        .map((l) => l.missing),
      [[...DAEMON_NODE_FLAGS], daemonEnvWords()],
      'warns that the node flags and the environment are missing',
    );
    await waitFor('a scan after restart', async () => (await fetch(`${d.url}/readyz`)).status === 200, WAIT_MS);
    const afterRestart = await allIncidents(d.url);
    const afterIds = new Set(afterRestart.map((i) => i.id));
    assert.deepEqual(
      before.filter((i) => !afterIds.has(i.id)),
      [],
      'no incident lost across kill -9 and restart',
    );
    const beforeIds = new Set(before.map((i) => i.id));
    const added = afterRestart.filter((i) => !beforeIds.has(i.id));
    assert.ok(
      added.every((i) => decoys.includes(i.childPid) && i.confirmedAt === null),
      `after the restart, only a decoy's passing suspect may be new: ${JSON.stringify(added)}`,
    );
    for (const pid of hung) {
      const mine = afterRestart.filter((i) => i.childPid === pid);
      assert.equal(mine.length, 1, `one incident for hung child ${pid}`);
      assert.equal(mine[0]!.state, 'confirmed');
    }

    // 4. POST /api/v1/scan runs a tick now (auth enforced on the live server too).
    assert.equal((await fetch(`${d.url}/api/v1/scan`, { method: 'POST' })).status, 401);
    const scan = await fetch(`${d.url}/api/v1/scan`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(scan.status, 200);
    assert.equal(((await scan.json()) as { ok: boolean }).ok, true);

    // 5. Kill the hung children: their incidents resolve.
    for (const pid of hung) process.kill(pid, 'SIGKILL');
    await waitFor(
      'hung children resolved',
      async () => {
        const items = await allIncidents(d.url);
        return hung.every((p) => items.some((i) => i.childPid === p && i.state === 'resolved'));
      },
      WAIT_MS,
    );
    const after = await (await fetch(`${d.url}/metrics`)).text();
    assert.equal(metricValue(after, 'forkwatch_incidents_resolved_total', `signature="${signature}"`), hungBySig);
    assert.equal(metricValue(after, 'forkwatch_hung_children', `target="jenkins",signature="${signature}"`), null);

    // 6. SIGTERM: graceful stop, exit 0.
    await d.kill('SIGTERM');
    assert.equal(await d.exited, 0);
    assert.ok(d.logs().some((l) => l.msg === 'forkwatch stopped'));
  },
);
