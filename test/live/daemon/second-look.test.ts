/**
 * Live, end to end: the REAL daemon beside the suite's deadlocker with a
 * child stuck inside fork() (its atfork child handler spins, then sleeps,
 * for a flag another thread set: `--spinning`) and forked workers doing
 * their own work (busy, sleeper, accepter). None of them is overdue by its
 * state; the daemon's second look takes one stack of each, names the
 * spinning child (fork-child-handlers-never-return, confirmed, an incident
 * that stays open while it lives) and leaves each worker alone after one
 * look. Remediation (kill mode) refuses the confirmed child: it is in no
 * futex wait. With capture.secondLook false nothing of them is traced.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeadlocker } from '../../helpers/deadlocker.js';
import { requireTool } from '../../helpers/native-build.js';
import { runDaemon, writeDaemonConfig } from '../../helpers/daemon-process.js';
import { waitFor } from '../../helpers/wait.js';
import { metricValue } from '../../helpers/metrics-text.js';

const TOKEN = 'live-test-token-0123456789';

interface Incident {
  id: string;
  childPid: number;
  state: string;
  signatureId: string | null;
}

async function incidents(base: string): Promise<Incident[]> {
  const res = await fetch(`${base}/api/v1/incidents?limit=100`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { items: Incident[] }).items;
}

async function metric(base: string, name: string, labels: string): Promise<number | null> {
  return metricValue(await (await fetch(`${base}/metrics`)).text(), name, labels);
}

test(
  'live daemon: the second look confirms a child spinning inside fork(); each busy, sleeping or accepting worker is looked at once and left alone',
  { timeout: 120_000 },
  async (t) => {
    requireTool('eu-stack', ['--version']);
    const dl = await startDeadlocker({ hung: 0, spinning: 1, busy: true, sleeper: true, accepter: true });
    t.after(() => dl.stop());
    const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-second-look-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const target = { targets: [{ name: 'jenkins', pid: dl.pid }], auth: { token: TOKEN } };
    // remediation on: a child the second look confirmed is never in a futex wait, and the kill is refused (docs/remediation.md)
    const remediation = { mode: 'kill', signatures: ['*'] };
    const d = await runDaemon(
      writeDaemonConfig(dir, { interval: '1s', hungAfter: '1s', remediation, ...target }),
      join(dir, 'daemon.log'),
    );
    t.after(() => d.kill());
    const spinning = dl.pidsOf('spinning')[0]!;
    const workers = (['busy', 'sleeper', 'accepter'] as const).map((r) => dl.pidsOf(r)[0]!);

    const confirmed = await waitFor(
      'the spinning child confirmed',
      async () => (await incidents(d.url)).find((i) => i.childPid === spinning && i.state === 'confirmed') ?? null,
      30_000,
    );
    assert.equal(confirmed.signatureId, 'fork-child-handlers-never-return');
    // every worker gets its one look (2 per tick, oldest first), then ticks go by
    await waitFor(
      'every worker looked at',
      async () => ((await metric(d.url, 'forkwatch_second_looks_total', 'outcome="nothing"')) ?? 0) >= 3 || null,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(await metric(d.url, 'forkwatch_second_looks_total', 'outcome="named"'), 1);
    assert.equal(await metric(d.url, 'forkwatch_second_looks_total', 'outcome="nothing"'), 3, 'each worker once');
    const all = await incidents(d.url);
    assert.deepEqual(
      all.filter((i) => workers.includes(i.childPid)),
      [],
      'no worker opened an incident',
    );
    assert.equal(
      all.find((i) => i.childPid === spinning)?.state,
      'confirmed',
      'the confirmed child stays confirmed while it lives (its state alone is not overdue)',
    );
    const looks = d.logs().filter((l) => l.msg === "second look at a lingering never-exec'd child");
    assert.deepEqual(
      looks.map((l) => l.childPid as number).sort((a, b) => a - b),
      [spinning, ...workers].sort((a, b) => a - b),
      'one look per child, logged',
    );
    assert.equal(looks.find((l) => l.childPid === spinning)?.signature, 'fork-child-handlers-never-return');
    const refusals = d.logs().filter((l) => l.action === 'remediate' && l.childPid === spinning);
    assert.ok(refusals.length >= 1, 'remediation judged the confirmed child');
    assert.ok(
      // the spinning child is caught sleeping (S) or running (R): either way it is in no private futex wait
      refusals.every(
        (l) =>
          l.outcome === 'refused' && /blocked: (?:state R, not S; )?not in a private futex wait/.test(String(l.msg)),
      ),
      JSON.stringify(refusals.map((l) => l.msg)),
    );
    process.kill(spinning, 0); // still alive: never signalled
    await d.kill('SIGTERM');

    // capture.secondLook: false: the same children, nothing traced
    const off = await runDaemon(
      writeDaemonConfig(join(dir), {
        interval: '1s',
        hungAfter: '1s',
        stateDir: join(dir, 'state-off'),
        capture: { secondLook: false },
        ...target,
      }),
      join(dir, 'daemon-off.log'),
    );
    t.after(() => off.kill());
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(await metric(off.url, 'forkwatch_second_looks_total', 'outcome="named"'), 0);
    assert.equal(await metric(off.url, 'forkwatch_second_looks_total', 'outcome="nothing"'), 0);
    assert.equal(
      await metric(off.url, 'forkwatch_captures_total', 'backend="eu-stack",outcome="ok"'),
      0,
      'no child was traced',
    );
    assert.deepEqual(await incidents(off.url), []);
  },
);
