/**
 * The digest exactly once across a kill -9: the real daemon (node dist/cli/index.js
 * run, after `npm run build`) fires the digest on its cron schedule a few
 * seconds ahead (a seconds field), the Slack stand-in holds the request
 * unanswered, the daemon is killed with SIGKILL mid-delivery and started
 * again on the same stateDir: the digest is delivered by the restarted
 * daemon, once, with the same content, and no second digest is made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSlackStandin, type RecordedRequest } from '../helpers/slack-standin.js';
import { REPO_ROOT } from '../helpers/native-build.js';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/daemon/node-flags.js';

const CLI = join(REPO_ROOT, 'dist/cli/index.js');

function startDaemon(
  config: string,
  log: string,
): { kill: (s: NodeJS.Signals) => Promise<void>; output: () => string } {
  const fd = openSync(log, 'a');
  const p = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, 'run', '--config', config], {
    cwd: REPO_ROOT,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...DAEMON_ENV, FORKWATCH_CONFIG: '', NODE_OPTIONS: '' },
  });
  closeSync(fd);
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  return {
    kill: async (s) => {
      if (p.exitCode === null && p.signalCode === null) p.kill(s);
      await exited;
    },
    output: () => readFileSync(log, 'utf8'),
  };
}

async function until(what: string, fn: () => boolean, timeoutMs: number, log: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; daemon log:\n${log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const digests = (reqs: RecordedRequest[]): RecordedRequest[] =>
  reqs.filter((r) => r.json?.text?.startsWith('forkwatch digest'));

test('the digest is delivered exactly once across a kill -9 mid-delivery and a restart', async (t) => {
  assert.ok(existsSync(CLI), 'dist/cli/index.js is missing: run `npm run build` first');
  const slack = await startSlackStandin();
  t.after(() => slack.close());
  slack.enqueue({ kind: 'hang' }); // the first delivery is never answered: the daemon dies with it in flight
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-digest-live-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fire = new Date(Math.ceil(Date.now() / 1000) * 1000 + 10_000);
  const cron = `${fire.getUTCSeconds()} ${fire.getUTCMinutes()} ${fire.getUTCHours()} * * *`;
  const config = join(dir, 'forkwatch.json');
  writeFileSync(
    config,
    JSON.stringify({
      stateDir: join(dir, 'state'),
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'info', pretty: false },
      targets: [{ name: 'jenkins', cmdline: '^forkwatch-digest-live-no-such-process$' }],
      timezone: 'UTC',
      alerts: { slack: { webhookUrl: slack.url, timeout: '120s', digest: cron } },
    }),
  );
  const log = join(dir, 'daemon.log');

  const first = startDaemon(config, log);
  t.after(() => first.kill('SIGKILL'));
  await until('the digest at its time', () => digests(slack.requests).length === 1, 30_000, first.output);
  assert.ok(Date.now() >= fire.getTime(), 'the digest came before its time');
  assert.match(first.output(), /"key":"digest:[^"]+","enqueued":1/);
  await first.kill('SIGKILL');

  const second = startDaemon(config, log);
  t.after(() => second.kill('SIGKILL'));
  await until(
    'the digest delivered by the restarted daemon',
    () => digests(slack.requests).length === 2,
    30_000,
    second.output,
  );
  await new Promise((r) => setTimeout(r, 3000)); // anything more would come now (the sender polls every 500 ms)
  await second.kill('SIGTERM');

  const [held, delivered, ...extra] = digests(slack.requests);
  assert.equal(extra.length, 0, 'the digest was delivered more than once');
  assert.equal(held!.reply, 'hang');
  assert.equal(delivered!.reply, 200);
  assert.equal(
    delivered!.body,
    held!.body,
    'the restarted daemon made another digest instead of delivering the stored one',
  );
  assert.match(
    delivered!.body,
    new RegExp(
      fire
        .toISOString()
        .replace(/\.000Z$/, 'Z')
        .replace(/[.]/g, '\\.'),
    ),
  );
  assert.equal(slack.requests.length, 2, 'other Slack traffic: nothing else should have been sent');
  assert.equal((second.output().match(/"enqueued":1/g) ?? []).length, 1, 'a second digest was enqueued');
});
