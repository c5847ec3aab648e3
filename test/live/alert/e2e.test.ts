/**
 * Live, end to end: the real daemon (`forkwatch run` as a process) beside the
 * suite's deadlocked C program, alerting the Slack stand-in. From the hung
 * child's start to the recorded Slack message must take at most
 * hungAfter + interval + 2 s (plus Slack's one-second spacing when another
 * message, the fork-risk audit's warning, went out just before).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../helpers/wait.js';
import { readFileSync } from 'node:fs';
import { deadlockerBinary, startDeadlocker } from '../../helpers/deadlocker.js';
import { requireTool } from '../../helpers/native-build.js';
import { startSlackStandin } from '../../helpers/slack-standin.js';
import { readStartTimeMs } from '../../../src/capture/identity.js';
import { escapeRegex, startDaemonProcess } from '../../helpers/daemon-process.js';
import { tempDir } from '../../record/fixture.js';

const HUNG_AFTER_MS = 2000;
const INTERVAL_MS = 1000;
const SLACK_MIN_INTERVAL_MS = 1000;

test('first hung child to a recorded Slack message within hungAfter + interval + 2 s', async (t) => {
  requireTool('eu-stack');
  const slack = await startSlackStandin();
  t.after(() => slack.close());
  const dir = tempDir(t);
  const binary = deadlockerBinary();
  // The daemon first (its start-up is not what is measured), watching for the program by its image.
  const daemon = await startDaemonProcess(dir, {
    // Other tests may run the same program at the same time: an unusual thread count tells ours apart.
    targets: [{ name: 'deadlocker', cmdline: `^${escapeRegex(binary)} --hung 1 --threads 7 --exec --sleeper$` }],
    hungAfter: `${HUNG_AFTER_MS}ms`,
    interval: `${INTERVAL_MS}ms`,
    rediscoverInterval: '1s',
    alerts: { slack: { webhookUrl: slack.url, timeout: '2s' } },
  });
  t.after(() => daemon.kill());
  const d = await startDeadlocker({ hung: 1, threads: 7, exec: true, sleeper: true });
  t.after(() => d.stop());
  const hungPid = d.pidsOf('hung')[0]!;
  const startedAt = readStartTimeMs('/proc', hungPid);
  assert.ok(startedAt !== null);
  // The hung child's message: the fork-risk audit's warning about the deadlocker (sent once, when the
  // daemon first audits it) may come before it and is not what is measured.
  const msg = await waitFor(
    "the hung child's Slack message",
    async () => slack.requests.find((r) => r.json?.text?.includes(`child pid ${hungPid} `)),
    20_000,
    20,
  );
  const latency = msg!.at - startedAt;
  // The Slack sink posts at most one message a second (Slack's limit per webhook, src/alert/slack.ts):
  // when the audit's warning went out less than a second before, the incident's message waited for it.
  const previous = slack.requests.filter((r) => r !== msg && r.at <= msg!.at).at(-1);
  const paced = previous !== undefined && msg!.at - previous.at < SLACK_MIN_INTERVAL_MS + 250;
  const budget = HUNG_AFTER_MS + INTERVAL_MS + 2000 + (paced ? SLACK_MIN_INTERVAL_MS : 0);
  process.stdout.write(
    `# e2e: hung child ${hungPid} started -> Slack message in ${latency} ms (budget ${budget} ms${paced ? ', paced behind the warning' : ''})\n`,
  );
  assert.ok(latency <= budget, `Slack message ${latency} ms after the hung child started (budget ${budget} ms)`);
  assert.match(msg!.json!.text!, new RegExp(`child pid ${hungPid} of deadlocker \\(pid ${d.pid}\\)`));
  assert.ok(
    !readFileSync(daemon.logFile, 'utf8').includes(slack.url.split('/').pop()!),
    'webhook URL in the daemon log',
  );
});
