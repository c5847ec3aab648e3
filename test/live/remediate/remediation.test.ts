/**
 * Live remediation, end to end, with the real daemon (`forkwatch run`) beside
 * the suite's stand-in Jenkins (FORK launch, atfork-deadlock LD_PRELOAD):
 *  - kill: each hung child is SIGKILLed after its evidence is stored, and the
 *    JVM thread that forked it returns from ProcessBuilder.start() (the Java
 *    program prints "started <thread> <child pid>"): Jenkins would poll again;
 *  - dry-run: nothing is signalled, the audit says dry-run;
 *  - a child whose identity no longer matches the incident (stale start time,
 *    as after pid reuse) is not signalled, through the real checks on the
 *    real process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { requireTool } from '../../helpers/native-build.js';
import { startSlackStandin } from '../../helpers/slack-standin.js';
import { tempDir, tempStore } from '../../record/fixture.js';
import { readKernelEvidence } from '../../../src/proc/kernel-evidence.js';
import { readStartTimeMs, readBootTimeSec } from '../../../src/capture/identity.js';
import { actOnIncident } from '../../../src/remediate/act.js';
import { createMetrics } from '../../../src/extension/metrics.js';
import { remediationMetrics } from '../../../src/remediate/metrics.js';
import { silentLogger } from '../../../src/util/logger.js';
import type { Incident } from '../../../src/record/types.js';
import { incidentsByChild, startDaemonFor, startJvm, TOKEN, WAIT_MS } from '../jvm-job-support.js';
import { waitFor } from '../../helpers/wait.js';

function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

function requireTools(): void {
  requireTool('java', ['-version']);
  requireTool('jcmd', ['-h']);
  requireTool('eu-stack');
}

test(
  'kill mode: hung children are killed after their evidence is stored, and each forking JVM thread returns from start()',
  { timeout: 240_000 },
  async (t) => {
    requireTools();
    const dir = tempDir(t);
    const slack = await startSlackStandin();
    t.after(() => slack.close());
    const jvm = await startJvm('kill');
    t.after(() => jvm.stop());
    const hung = (await jvm.waitForHungChildren(2, 60_000)).sort((a, b) => a - b);
    assert.deepEqual(
      jvm.lines.filter((l) => l.kind === 'started'),
      [],
      'start() has not returned before forkwatch acts',
    );
    const t0 = Date.now();
    const daemon = await startDaemonFor(dir, jvm, {
      remediation: { mode: 'kill' },
      alerts: { slack: { webhookUrl: slack.url, timeout: '2s' } },
    });
    t.after(() => daemon.kill());

    const started = await waitFor(
      'both forking threads to return from start()',
      async () => {
        const lines = jvm.lines.filter((l) => l.kind === 'started');
        return lines.length === 2 ? lines : null;
      },
      WAIT_MS,
    );
    process.stdout.write(`# remediation: daemon start -> both start() returned in ${Date.now() - t0} ms\n`);
    assert.deepEqual(
      started.map((l) => Number(l.fields[1])).sort((a, b) => a - b),
      hung,
      'each start() returned the killed child as its Process',
    );
    assert.deepEqual(started.map((l) => l.fields[0]).sort(), [...jvm.threadNames].sort());
    for (const pid of hung) assert.throws(() => startTicks(pid), /ENOENT/, `child ${pid} is gone`);
    // The JVM is untouched: it carries on (waitFor() returns: "exited <thread> <status>").
    await jvm.waitForLine((l) => l.kind === 'exited', 20_000);
    process.kill(jvm.pid, 0);

    const incidents = await incidentsByChild(daemon.url);
    for (const pid of hung) {
      const i = incidents.get(pid)!;
      assert.ok(i, `incident for child ${pid}`);
      const kill = i.audit.find((a) => a.action === 'remediate')!;
      assert.equal(kill.mode, 'kill');
      assert.equal(kill.outcome, 'killed', kill.detail);
      assert.ok(i.remediatedAt !== null && i.remediatedAt >= i.confirmedAt!, 'remediated after confirmation');
      assert.ok(['remediated', 'resolved'].includes(i.state), i.state);
      // Evidence first: the stack and kernel samples were stored before the signal.
      assert.match(i.evidence.stackRaw ?? '', /forkwatch_preload_atfork_child/);
      assert.ok(i.evidence.capture!.at <= kill.at);
      const data = kill.data as {
        evidence: { stackCaptured: boolean; kernelSamples: number };
        checksPassed: string[];
        startTicks: number;
      };
      assert.equal(data.evidence.stackCaptured, true);
      assert.ok(data.evidence.kernelSamples >= 1);
      assert.equal(data.checksPassed.length, 9);
      assert.ok(i.evidence.extra?.targetFacts, 'target facts (JDK) stored before the signal');
      process.stdout.write(
        `# remediation: child ${pid}: last start-time read -> kill(2) ${(kill.data as { lastReadToSignalUs: number }).lastReadToSignalUs} us; confirmed -> killed ${kill.at - i.confirmedAt!} ms\n`,
      );
    }
    const log = readFileSync(daemon.logFile, 'utf8');
    for (const pid of hung)
      assert.match(log, new RegExp(`remediation kill of child ${pid} \\(jenkins\\): sent SIGKILL`));
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    assert.match(metrics, /forkwatch_remediations_total\{mode="kill",outcome="killed"\} 2/);
    // The two remediations may go out grouped in one message or as two: wait until every pid was named.
    const said = await waitFor(
      'Slack says what was done for every child',
      async () => {
        const text = slack.requests
          .filter((r) => /remediated/.test(r.json?.text ?? ''))
          .map((m) => m.json!.text!)
          .join('\n');
        return hung.every((pid) => new RegExp(`\\b${pid}\\b`).test(text)) ? text : null;
      },
      WAIT_MS,
    );
    for (const pid of hung) assert.match(said, new RegExp(`\\b${pid}\\b`));
  },
);

test(
  'dry-run: the decision is recorded, nothing is signalled, the children stay hung; a stale identity is refused on the real process',
  { timeout: 240_000 },
  async (t) => {
    requireTools();
    const dir = tempDir(t);
    const jvm = await startJvm('dry');
    t.after(() => jvm.stop());
    const hung = (await jvm.waitForHungChildren(2, 60_000)).sort((a, b) => a - b);
    const before = new Map(hung.map((p) => [p, startTicks(p)]));
    const daemon = await startDaemonFor(dir, jvm, { remediation: { mode: 'dry-run' } });
    t.after(() => daemon.kill());

    const decided = await waitFor(
      'a dry-run decision on both incidents',
      async () => {
        const all = await incidentsByChild(daemon.url);
        const done = hung
          .map((p) => all.get(p))
          .filter((i): i is Incident => Boolean(i?.audit.some((a) => a.mode === 'dry-run')));
        return done.length === 2 ? done : null;
      },
      WAIT_MS,
    );
    for (const i of decided) {
      const recs = i.audit.filter((a) => a.action === 'remediate');
      assert.equal(recs.length, 1);
      assert.equal(recs[0]!.outcome, 'skipped');
      assert.match(
        recs[0]!.detail,
        new RegExp(`^dry-run: every check passed; would send SIGKILL to pid ${i.childPid} \\(nothing sent\\)`),
      );
      assert.equal(i.state, 'confirmed');
    }
    // Ticks go on; no second decision, no signal.
    await new Promise((r) => setTimeout(r, 2500));
    for (const pid of hung)
      assert.equal(startTicks(pid), before.get(pid), `child ${pid} is the same process, still there`);
    assert.deepEqual(
      jvm.lines.filter((l) => l.kind === 'started'),
      [],
      'no start() returned',
    );
    const again = await incidentsByChild(daemon.url);
    for (const pid of hung) assert.equal(again.get(pid)!.audit.filter((a) => a.action === 'remediate').length, 1);

    // The operator's API in dry-run: 200, nothing sent.
    const id = again.get(hung[0]!)!.id;
    const res = await fetch(`${daemon.url}/api/v1/incidents/${id}/kill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { outcome: string }).outcome, 'skipped');
    assert.equal(startTicks(hung[0]!), before.get(hung[0]!));
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    assert.match(metrics, /forkwatch_remediations_total\{mode="dry_run",outcome="skipped"\} 3/);
    assert.match(metrics, /forkwatch_remediations_total\{mode="dry_run",outcome="killed"\} 0/);
    await daemon.kill();

    // The same real hung child, named by an incident whose start time is stale (its pid was
    // reused, from the incident's point of view): kill mode with the real SIGKILL refuses.
    const child = hung[1]!;
    const { store } = tempStore(t, { host: 'live' });
    const kernel = readKernelEvidence(child, { procRoot: '/proc' })!;
    const realStart = readStartTimeMs('/proc', child)!;
    const targetStart = readStartTimeMs('/proc', jvm.pid)!;
    const stale = { ...kernel, startTicks: kernel.startTicks! - 500 };
    const observe = (childStartMs: number, k: typeof kernel) =>
      store.observeSuspects(Date.now(), [
        {
          targetName: 'jenkins',
          targetPid: jvm.pid,
          targetStartMs: targetStart,
          targetUser: null,
          childPid: child,
          childStartMs,
          kernel: k,
        },
      ]).opened[0]!;
    const staleIncident = observe(realStart - 5000, stale);
    const confirm = {
      signatureId: 'glibc-atfork-child-lock',
      signatureTitle: 't',
      signatureVersion: '1',
      severity: 'critical' as const,
      fingerprint: null,
    };
    store.confirm(staleIncident.id, confirm);
    const metrics2 = remediationMetrics(createMetrics({ defaultMetrics: 'none' }).registry);
    const deps = {
      store,
      logger: silentLogger(),
      metrics: metrics2,
      procRoot: '/proc',
      clock: { btimeSec: readBootTimeSec('/proc')!, clockTicks: 100 },
      targetPids: () => [jvm.pid],
    };
    const r = actOnIncident(
      { incidentId: staleIncident.id, mode: 'kill', action: 'operator-kill', actor: 'test', reason: 'stale identity' },
      deps,
    );
    assert.equal(r.outcome, 'refused');
    assert.deepEqual(
      r.verify!.failed.map((f) => f.check),
      ['child-identity'],
    );
    assert.equal(startTicks(child), before.get(child), 'the real child was not signalled');
    // The control: the true identity passes every check on the same process (dry-run: nothing sent).
    const trueIncident = observe(realStart, kernel);
    store.confirm(trueIncident.id, confirm);
    const v0 = performance.now();
    const ok = actOnIncident(
      { incidentId: trueIncident.id, mode: 'dry-run', action: 'operator-kill', actor: 'test', reason: 'control' },
      deps,
    );
    process.stdout.write(
      `# remediation: one full decision (load incident, 9 checks on the real child, audit) ${(performance.now() - v0).toFixed(1)} ms\n`,
    );
    assert.equal(ok.outcome, 'skipped', ok.detail);
    assert.equal(ok.verify!.passed.length, 9);
    assert.equal(startTicks(child), before.get(child));
  },
);
