/**
 * Live crash test: with the Slack stand-in failing, a child is confirmed;
 * the daemon is killed with SIGKILL; the stand-in comes back; the restarted
 * daemon delivers the alert, once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deadlockerBinary, startDeadlocker } from '../../helpers/deadlocker.js';
import { requireTool } from '../../helpers/native-build.js';
import { startSlackStandin } from '../../helpers/slack-standin.js';
import { escapeRegex, startDaemonProcess } from '../../helpers/daemon-process.js';
import { tempDir } from '../../record/fixture.js';
import { until } from '../../alert/fixture.js';

test('kill -9 while Slack fails: after restart the alert is delivered exactly once', async (t) => {
  requireTool('eu-stack');
  const slack = await startSlackStandin({ reply: { kind: 'status', status: 503, body: 'down' } });
  t.after(() => slack.close());
  const dir = tempDir(t);
  const config = {
    // An unusual thread count tells this test's program apart from other tests' copies.
    targets: [{ name: 'deadlocker', cmdline: `^${escapeRegex(deadlockerBinary())} --hung 1 --threads 5 --sleeper$` }],
    hungAfter: '1s',
    interval: '1s',
    rediscoverInterval: '1s',
    alerts: { slack: { webhookUrl: slack.url, timeout: '2s' } },
  };
  const d = await startDeadlocker({ hung: 1, threads: 5, sleeper: true });
  t.after(() => d.stop());
  const hungPid = d.pidsOf('hung')[0]!;
  const first = await startDaemonProcess(dir, config, 'daemon-1.log');
  t.after(() => first.kill());
  // The hung child's message (the fork-risk audit's warning about the deadlocker may come before it).
  const isChild = (r: (typeof slack.requests)[number]) => r.json?.text?.includes(`child pid ${hungPid} `) ?? false;
  await until(() => slack.requests.some(isChild), 20_000, "the hung child's message");
  assert.equal(slack.requests.find(isChild)!.reply, 503);
  await first.kill('SIGKILL');
  const failed = slack.requests.length;

  slack.setDefault({ kind: 'ok' });
  const second = await startDaemonProcess(dir, config, 'daemon-2.log');
  t.after(() => second.kill());
  await until(() => slack.requests.some((r) => r.reply === 200), 20_000, 'delivery after restart');
  // Give a duplicate every chance to show up: several poll intervals and ticks.
  await new Promise((r) => setTimeout(r, 3000));
  const opened = slack.requests
    .slice(failed)
    .filter((r) => r.reply === 200 && r.json?.text?.includes(`child pid ${hungPid} `));
  assert.equal(opened.length, 1, `delivered ${opened.length} times after the restart`);
  const res = await fetch(`${second.url}/api/v1/notifications`);
  const body = (await res.json()) as {
    items: { state: string }[];
    stats: { sink: string; pending: number; dead: number }[];
  };
  assert.equal(res.status, 200);
  assert.deepEqual(body.items, [], 'nothing pending or dead-lettered');
  assert.deepEqual(
    body.stats.map((s) => [s.sink, s.pending, s.dead]),
    [['slack', 0, 0]],
  );
  assert.ok(!JSON.stringify(body).includes(slack.url.split('/').pop()!));
  const incidents = (await (await fetch(`${second.url}/api/v1/incidents?state=open`)).json()) as {
    items: { childPid: number }[];
  };
  assert.equal(
    incidents.items.filter((i) => i.childPid === hungPid).length,
    1,
    'one incident for the child across the restart',
  );
});
