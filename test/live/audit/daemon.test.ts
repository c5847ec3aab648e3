/**
 * The fork-risk audit in the REAL daemon (`forkwatch run` as a process,
 * test/helpers/daemon-process.ts) watching the suite's stand-in Jenkins JVM:
 *  1. FORK + the atfork LD_PRELOAD library, armed (its child hangs), its
 *     thread name (so its cmdline) hostile markup: forkwatch_target_fork_risk
 *     shows high with the reasons, the API route answers, the incident's
 *     bundle carries the audit, the Slack stand-in gets exactly one warning,
 *     and headless Chromium shows the risk section with the hostile text as
 *     text and nothing run;
 *  2. restarted with the default launch mechanism, no preload: the risk falls
 *     to none, no new warning;
 *  3. FORK again: one new warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser } from 'playwright-core';
import { compileForkDeadlock, startForkDeadlockJvm } from '../../helpers/jvm.js';
import { requireTool } from '../../helpers/native-build.js';
import { runDaemon, writeDaemonConfig } from '../../helpers/daemon-process.js';
import { startSlackStandin, type RecordedRequest } from '../../helpers/slack-standin.js';
import { waitFor } from '../../helpers/wait.js';
import { launchChromium, screenshot, VIEWPORTS, watchPage } from '../../helpers/browser.js';

const HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>';

/** The JVM with the default mechanism and no preload, unarmed; resolves with its pid on "ready". */
async function startSafeJvm(threadName: string): Promise<{ pid: number; stop(): Promise<void> }> {
  const proc: ChildProcess = spawn(
    'java',
    [
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xmx64m',
      '-cp',
      compileForkDeadlock(),
      'ForkDeadlock',
      threadName,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { PATH: process.env.PATH, FORKWATCH_ATFORK_DEADLOCK: '0' },
    },
  );
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('JVM not ready in 60 s')), 60_000);
    proc.once('exit', (c) => reject(new Error(`JVM exited ${c}`)));
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      if (l.startsWith('ready')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return {
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

const isRiskWarning = (r: RecordedRequest) => (r.json?.text ?? '').startsWith('Warning (not a page): fork risk');

test(
  'the daemon audits its JVM: metric, route, bundle, page, one Slack warning per rise',
  { timeout: 420_000 },
  async (t) => {
    requireTool('gcc');
    requireTool('eu-stack', ['--version']);
    const dir = mkdtempSync(join(tmpdir(), 'fw-audit-daemon-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const marker = `fwaudit${randomBytes(4).toString('hex')}`;
    const threadName = `SCM polling for ${marker} ${HOSTILE}`;
    const slack = await startSlackStandin();
    t.after(() => slack.close());

    const jvm1 = await startForkDeadlockJvm({ threadNames: [threadName], armed: true });
    t.after(() => jvm1.stop());
    const configPath = writeDaemonConfig(dir, {
      interval: '1s',
      // Step 2 replaces the JVM: the tick that sees the first one gone looks for targets at once, and if the second
      // has not started yet the next look is a rediscoverInterval later (60 s by default: a CI run timed out on it).
      rediscoverInterval: '1s',
      hungAfter: '1s',
      targets: [{ name: 'jenkins', cmdline: marker }],
      alerts: { slack: { webhookUrl: slack.url } },
    });
    const d = await runDaemon(configPath, join(dir, 'daemon.log'));
    t.after(() => d.kill());
    const metrics = async () => (await fetch(`${d.url}/metrics`)).text();
    const audit = async () =>
      (await (await fetch(`${d.url}/api/v1/targets/jenkins/audit`)).json()) as {
        pid: number | null;
        risk: string | null;
        reasons: { rule: string; evidence: { text: string } }[];
      };

    // 1. FORK + preload: high.
    await waitFor(
      'risk high for the first JVM',
      async () => {
        const a = await audit();
        return a.pid === jvm1.pid && a.risk === 'high' ? a : null;
      },
      90_000,
      300,
    );
    const a1 = await audit();
    const rules = a1.reasons.map((r) => r.rule);
    for (const id of ['jdk-fork-with-preload', 'jdk-launch-mechanism-fork', 'ld-preload-set'])
      assert.ok(rules.includes(id), `${id} in ${rules}`);
    const m1 = await metrics();
    assert.match(m1, /^forkwatch_target_fork_risk_level\{target="jenkins"\} 2$/m);
    assert.match(m1, /^forkwatch_target_fork_risk\{target="jenkins",reason="jdk-fork-with-preload"\} 2$/m);
    assert.match(m1, /^forkwatch_target_fork_risk\{target="jenkins",reason="jdk-launch-mechanism-fork"\} 1$/m);
    assert.equal((await fetch(`${d.url}/api/v1/targets/nope/audit`)).status, 404);

    // The hung child's incident: its bundle carries the audit of its JVM.
    const bundle = await waitFor(
      'an incident bundle with the fork-risk audit',
      async () => {
        const items = (
          (await (await fetch(`${d.url}/api/v1/incidents?state=confirmed&limit=10`)).json()) as {
            items: { id: string }[];
          }
        ).items;
        for (const i of items) {
          const b = (await (await fetch(`${d.url}/api/v1/incidents/${i.id}/bundle`)).json()) as {
            forkRisk: { pid: number; risk: string } | null;
          };
          if (b.forkRisk) return b;
        }
        return null;
      },
      120_000,
      500,
    );
    assert.equal(bundle.forkRisk!.pid, jvm1.pid);
    assert.equal(bundle.forkRisk!.risk, 'high');

    await waitFor('the Slack warning', async () => slack.requests.some(isRiskWarning), 30_000, 200);

    // The status page in Chromium: the risk section, hostile text as text, nothing run.
    const browser: Browser = await launchChromium();
    t.after(() => browser.close());
    const ctx = await browser.newContext({ viewport: VIEWPORTS.laptop });
    const page = await ctx.newPage();
    const w = watchPage(page, d.url);
    await page.goto(`${d.url}/`);
    const section = page.locator('article.target[data-target="jenkins"] section.fork-risk');
    await section.waitFor();
    assert.equal(await section.getAttribute('data-risk'), 'high');
    assert.equal(await section.locator('tr[data-rule="jdk-fork-with-preload"]').count(), 1);
    assert.match((await section.textContent()) ?? '', /POSIX_SPAWN/, 'the prevention is shown');
    const cmd = (await page.locator('article.target[data-target="jenkins"] code.cmdline').first().textContent()) ?? '';
    assert.ok(cmd.includes(HOSTILE), `hostile cmdline shown as text: ${cmd}`);
    assert.deepEqual(w.dialogs, [], 'a dialog fired');
    assert.deepEqual(w.pageErrors, []);
    assert.deepEqual(w.consoleErrors, [], 'console errors (CSP violations show here)');
    assert.deepEqual(w.foreignRequests, []);
    assert.equal(await page.locator('img').count(), 0, 'an <img> element exists');
    assert.equal(await page.locator('script').count(), 1, "only the page's own script");
    await screenshot(page, 'status-page-fork-risk-laptop');

    // 2. The default mechanism, no preload: the risk falls, no new warning.
    await jvm1.stop();
    const jvm2 = await startSafeJvm(`SCM polling for ${marker}`);
    t.after(() => jvm2.stop());
    await waitFor(
      'risk none for the second JVM',
      async () => {
        const a = await audit();
        return a.pid === jvm2.pid && a.risk === 'none';
      },
      60_000,
      300,
    );
    assert.match(await metrics(), /^forkwatch_target_fork_risk_level\{target="jenkins"\} 0$/m);
    assert.doesNotMatch(await metrics(), /^forkwatch_target_fork_risk\{/m);
    await new Promise((r) => setTimeout(r, 2000)); // the sender polls every 500 ms
    assert.equal(slack.requests.filter(isRiskWarning).length, 1, 'exactly one warning so far');

    // 3. FORK again: one new warning.
    await jvm2.stop();
    const jvm3 = await startForkDeadlockJvm({ threadNames: [`SCM polling for ${marker}`], armed: false });
    t.after(() => jvm3.stop());
    await waitFor(
      'risk high for the third JVM',
      async () => {
        const a = await audit();
        return a.pid === jvm3.pid && a.risk === 'high';
      },
      60_000,
      300,
    );
    await waitFor('the second warning', async () => slack.requests.filter(isRiskWarning).length >= 2, 30_000, 200);
    await new Promise((r) => setTimeout(r, 2000));
    const warnings = slack.requests.filter(isRiskWarning);
    assert.equal(warnings.length, 2, warnings.map((x) => x.json?.text).join('\n'));
    assert.ok(warnings[0]!.json!.text!.includes(`pid ${jvm1.pid}`));
    assert.ok(warnings[1]!.json!.text!.includes(`pid ${jvm3.pid}`));
    assert.ok(!JSON.stringify(warnings).includes('<script>'), 'the warning escapes hostile text');
  },
);
