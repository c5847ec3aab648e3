/**
 * Issue 12, "a tracer can stop all scanning": the REAL daemon with a
 * configured tracer (tools.euStack) that forks a child which setsid()s out of
 * the tracer's process group, keeps the stdout pipe open and sleeps. Before
 * the box, the capture never resolved and the tick never ended. Now: ticks
 * keep counting, the capture is recorded as timed out, and the escaped child
 * is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeadlocker } from '../../helpers/deadlocker.js';
import { runDaemon, writeDaemonConfig } from '../../helpers/daemon-process.js';
import { waitFor } from '../../helpers/wait.js';
import { metricValue } from '../../helpers/metrics-text.js';

const TOKEN = 'tracer-escape-token-0123456789';

/** Absent series count as 0 here. */
function metric(text: string, name: string, labels = ''): number {
  return metricValue(text, name, labels) ?? 0;
}

const alive = (pid: number): boolean =>
  existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

test(
  'a tracer whose child escapes with setsid and holds stdout: ticks go on, the capture times out, the child is killed',
  { timeout: 120_000 },
  async (t) => {
    const dl = await startDeadlocker({ hung: 1 });
    t.after(() => dl.stop());
    const dir = mkdtempSync(join(tmpdir(), 'forkwatch-tracer-escape-'));
    const escapees: number[] = [];
    const pidLog = join(dir, 'escapees');
    t.after(() => {
      // Also when the test failed before reading the log: no escapee outlives the test.
      const logged = existsSync(pidLog) ? readFileSync(pidLog, 'utf8').split('\n').filter(Boolean).map(Number) : [];
      for (const pid of new Set([...escapees, ...logged])) if (alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    const tracer = join(dir, 'escaping-tracer');
    // Each run leaves a child in a session of its own, holding stdout, and records its pid.
    writeFileSync(tracer, `#!/bin/sh\nsetsid /bin/sh -c 'echo $$ >> ${pidLog}; exec sleep 600' &\nexec sleep 600\n`);
    chmodSync(tracer, 0o755);
    const config = writeDaemonConfig(dir, {
      interval: '1s',
      hungAfter: '1s',
      targets: [{ name: 'jenkins', pid: dl.pid }],
      tools: { euStack: tracer },
      capture: { order: ['eu-stack'], timeout: '2s' },
      auth: { token: TOKEN },
    });
    const d = await runDaemon(config, join(dir, 'daemon.log'));
    t.after(() => d.kill());
    const metrics = async (): Promise<string> => (await fetch(`${d.url}/metrics`)).text();

    await waitFor(
      'a capture recorded as timed out',
      async () => metric(await metrics(), 'forkwatch_captures_total', 'backend="eu-stack",outcome="timeout"') >= 1,
      30_000,
    );
    const ticksAfterTimeout =
      metric(await metrics(), 'forkwatch_scans_total', 'outcome="ok"') +
      metric(await metrics(), 'forkwatch_scans_total', 'outcome="error"');
    await waitFor(
      'three more ticks',
      async () => {
        const m = await metrics();
        return (
          metric(m, 'forkwatch_scans_total', 'outcome="ok"') + metric(m, 'forkwatch_scans_total', 'outcome="error"') >=
          ticksAfterTimeout + 3
        );
      },
      20_000,
    );

    const incidents = (await (
      await fetch(`${d.url}/api/v1/incidents?limit=100`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { items: { id: string; childPid: number }[] };
    const mine = incidents.items.find((i) => i.childPid === dl.pidsOf('hung')[0]);
    assert.ok(mine, `an incident for the hung child: ${JSON.stringify(incidents.items)}`);
    const full = (await (
      await fetch(`${d.url}/api/v1/incidents/${mine.id}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { evidence: { capture?: { timedOut: boolean; ok: boolean; reason: string | null } } };
    assert.equal(full.evidence.capture?.timedOut, true, JSON.stringify(full.evidence.capture));
    assert.equal(full.evidence.capture?.ok, false);

    escapees.push(...readFileSync(pidLog, 'utf8').split('\n').filter(Boolean).map(Number));
    assert.ok(escapees.length >= 1, 'the tracer did leave an escaped child');
    for (const pid of escapees) assert.equal(alive(pid), false, `escaped child ${pid} killed at the deadline`);
    assert.equal(alive(dl.pidsOf('hung')[0]!), true, 'the hung child itself is untouched (remediation off)');
  },
);
