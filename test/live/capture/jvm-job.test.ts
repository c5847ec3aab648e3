/**
 * Live, end to end, which Jenkins job is stuck: the suite's stand-in Jenkins
 * (FORK launch mechanism, atfork-deadlock LD_PRELOAD, a thread named
 * "SCM polling for demo-job") beside the real daemon with thread dumps on.
 * The incident (API), the evidence bundle (API and `forkwatch bundle`) and the
 * Slack message name the forking thread, its Java name and the job; the
 * metrics carry no job name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, REPO_ROOT } from '../../helpers/native-build.js';
import { startSlackStandin } from '../../helpers/slack-standin.js';
import { tempDir } from '../../record/fixture.js';
import type { Incident } from '../../../src/record/types.js';
import type { EvidenceBundle } from '../../../src/bundle/build.js';
import { withoutRawEvidence } from '../../../src/expose/disclosure.js';
import { getJson, incidentsByChild, startDaemonFor, startJvm, WAIT_MS } from '../jvm-job-support.js';
import { waitFor } from '../../helpers/wait.js';

test(
  'forkwatch names the forking thread, its Java name and the Jenkins job: incident, bundle, CLI, Slack; not in metrics',
  { timeout: 240_000 },
  async (t) => {
    for (const tool of ['java', 'jcmd', 'eu-stack'])
      requireTool(tool, tool === 'eu-stack' ? ['--version'] : ['-version']);
    const dir = tempDir(t);
    const slack = await startSlackStandin();
    t.after(() => slack.close());
    const jvm = await startJvm('job');
    t.after(() => jvm.stop());
    const hung = await jvm.waitForHungChildren(2, 60_000);
    const daemon = await startDaemonFor(dir, jvm, { alerts: { slack: { webhookUrl: slack.url, timeout: '2s' } } });
    t.after(() => daemon.kill());

    const demo = await waitFor(
      'a confirmed incident for the demo-job poller with its thread dump facts',
      async () => {
        const all = await incidentsByChild(daemon.url);
        return (
          [...all.values()].find(
            (i) => i.state === 'confirmed' && i.jenkinsJob === 'demo-job' && i.evidence.extra?.targetFacts,
          ) ?? null
        );
      },
      WAIT_MS,
    );
    assert.ok(
      hung.includes(demo.childPid),
      `incident child ${demo.childPid} is one of the JVM's hung children ${hung.join()}`,
    );
    const ft = demo.forkingThread!;
    assert.equal(ft.name, 'SCM polling for', 'comm: the thread name cut at 15 bytes');
    assert.equal(ft.javaName, 'SCM polling for demo-job');
    assert.equal(ft.jenkinsJob, 'demo-job');
    assert.equal(ft.identifiedBy, 'thread-dump');
    assert.equal(
      readFileSync(`/proc/${jvm.pid}/task/${ft.tid}/comm`, 'utf8').trim(),
      'SCM polling for',
      'tid is a thread of the JVM',
    );
    assert.equal(demo.signatureId, 'glibc-atfork-child-lock');

    const res = await fetch(`${daemon.url}/api/v1/incidents/${demo.id}/bundle`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="forkwatch-bundle-${demo.id}.json"`);
    const bundle = (await res.json()) as EvidenceBundle;
    assert.equal(bundle.forkingThread.jenkinsJob, 'demo-job');
    assert.match(bundle.forkingThread.javaStack![0]!, /^java\.lang\.ProcessImpl\.forkAndExec\(/);
    assert.ok(
      bundle.forkingThread.nativeAtFork!.some((f) => f.normalized === 'Java_java_lang_ProcessImpl_forkAndExec'),
      'native stack at fork reaches forkAndExec',
    );
    assert.equal(bundle.forkingThread.kernel?.tid, ft.tid);
    assert.equal(bundle.forkingThread.kernel?.wchan, 'anon_pipe_read', 'the forker waits on the fail pipe');
    assert.match(bundle.child.stack.raw!, /forkwatch_preload_atfork_child/);
    assert.ok(bundle.child.stack.parsed!.threads.length >= 1);
    assert.ok(bundle.child.kernel.length >= 1 && bundle.child.kernel.every((k) => k.futexWaitPrivate));
    assert.equal(bundle.signature.id, 'glibc-atfork-child-lock');
    assert.ok(bundle.signature.fingerprint);
    assert.equal(bundle.child.process?.pid, demo.childPid);
    assert.equal(bundle.target.process?.pid, jvm.pid);
    const javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr;
    assert.equal(
      bundle.target.facts?.jdk?.version,
      /version "([^"]+)"/.exec(javaVersion)![1],
      'JDK version of the target',
    );
    assert.match(bundle.target.facts?.libcPath ?? '', /libc\.so\.6$/);
    assert.ok(bundle.host.kernel.release && bundle.host.libc.version, 'host kernel and libc');

    const out = join(dir, 'bundle.json');
    const cli = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'src/cli/index.ts'),
        'bundle',
        demo.id,
        '--config',
        join(dir, 'forkwatch.json'),
        '--out',
        out,
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(cli.status, 0, cli.stderr);
    const fromCli = JSON.parse(readFileSync(out, 'utf8')) as EvidenceBundle;
    assert.equal(fromCli.incident.id, demo.id);
    // The CLI's bundle (a root operator's 0600 file) keeps the raw kernel evidence; the API's,
    // fetched without the token, shows the same thread without it (docs/security.md).
    assert.match(fromCli.forkingThread.thread?.syscall ?? '', /^\d+ 0x/, 'the CLI bundle keeps /proc/TID/syscall');
    assert.equal(bundle.forkingThread.thread?.syscall, null, 'raw syscall only with the token');
    assert.deepEqual(withoutRawEvidence(fromCli.forkingThread.thread), bundle.forkingThread.thread);
    const missing = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'src/cli/index.ts'),
        'bundle',
        'ffffffffffffffff',
        '--config',
        join(dir, 'forkwatch.json'),
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(missing.status, 66, missing.stderr);

    const msgs = await waitFor(
      'a Slack message naming demo-job',
      async () => {
        const hits = slack.requests.filter((r) => JSON.stringify(r.json ?? {}).includes('demo-job'));
        return hits.length > 0 ? hits : null;
      },
      WAIT_MS,
    );
    const body = JSON.stringify(msgs[0]!.json);
    assert.match(body, /SCM polling for/);
    assert.match(body, new RegExp(`child ${demo.childPid}|pid ${demo.childPid}|\\*${demo.childPid}\\*`));

    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    assert.match(metrics, /forkwatch_hung_children\{target="jenkins",signature="glibc-atfork-child-lock"\} 2/);
    assert.match(
      metrics,
      /forkwatch_hung_children_by_forking_thread\{target="jenkins",forking_thread="scm_polling"\} 2/,
    );
    assert.ok(!metrics.includes('demo-job'), 'no job name in any metric label');
    const all = await getJson<{ items: Incident[] }>(`${daemon.url}/api/v1/incidents?state=confirmed`);
    assert.equal(all.items.length, 2);
    assert.deepEqual(
      jvm.lines.filter((l) => l.kind === 'started'),
      [],
      'remediation is off: nothing was signalled',
    );
  },
);
