/**
 * Live: the real daemon (`forkwatch run` as a process) watches the suite's
 * deadlocker started with a Jenkins agent's command line (`-jar agent.jar
 * -secret <64 hex>`, a -D password, a --token, URL userinfo); its children
 * really deadlock and become a confirmed incident. None of those secrets may
 * show in any API route (with or without the token), the status page fetched
 * over HTTP, the bundle (API and `forkwatch bundle`), the Slack messages, the
 * Alertmanager alerts, or any line the daemon wrote to stdout/stderr. The
 * raw /proc/PID/syscall line is shown only with the token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../helpers/wait.js';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deadlockerBinary, startDeadlocker } from '../../helpers/deadlocker.js';
import { REPO_ROOT, requireTool } from '../../helpers/native-build.js';
import { startSlackStandin } from '../../helpers/slack-standin.js';
import { startAlertmanager } from '../../helpers/alertmanager.js';
import { escapeRegex, startDaemonProcess } from '../../helpers/daemon-process.js';
import { tempDir } from '../../record/fixture.js';

const TOKEN = `live-token-${randomBytes(12).toString('hex')}`;

function agentArgs() {
  const agentSecret = randomBytes(32).toString('hex');
  const password = `pw${randomBytes(9).toString('hex')}`;
  const token = `tk${randomBytes(9).toString('hex')}`;
  const userinfo = `up${randomBytes(9).toString('hex')}`;
  return {
    secrets: [agentSecret, password, token, userinfo],
    args: [
      '-jar',
      'agent.jar',
      '-jnlpUrl',
      'http://ci.example:8080/computer/a1/jenkins-agent.jnlp',
      '-secret',
      agentSecret,
      '-workDir',
      '/tmp',
      `-Dhudson.plugins.git.password=${password}`,
      `--token=${token}`,
      `https://alice:${userinfo}@git.example.org/r.git`,
    ],
  };
}

/** GET, waiting out the per-client rate limit (this test reads every route, twice, in a burst). */
async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
    const body = await res.text();
    if (res.status !== 429 || attempt === 20) return { status: res.status, body };
    await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
  }
}

test('an agent -secret (and -D password, --token, URL userinfo) never leaves the daemon: API, page, bundle, Slack, Alertmanager, logs', async (t) => {
  requireTool('eu-stack');
  const slack = await startSlackStandin();
  t.after(() => slack.close());
  const am = await startAlertmanager();
  t.after(() => am.stop());
  const dir = tempDir(t);
  const binary = deadlockerBinary();
  const { secrets, args } = agentArgs();
  const [agentSecret] = secrets;
  const daemon = await startDaemonProcess(dir, {
    // A thread count no other test uses tells this deadlocker apart.
    targets: [{ name: 'agent', cmdline: `^${escapeRegex(binary)} --hung 1 --threads 11 -- -jar agent\\.jar ` }],
    hungAfter: '2s',
    interval: '1s',
    rediscoverInterval: '1s',
    auth: { token: TOKEN },
    alerts: { slack: { webhookUrl: slack.url, timeout: '2s' }, alertmanager: { urls: [am.url], timeout: '2s' } },
    log: { level: 'debug', pretty: false },
  });
  t.after(() => daemon.kill());
  const d = await startDeadlocker({ hung: 1, threads: 11, extraArgs: args });
  t.after(() => d.stop());
  const hungPid = d.pidsOf('hung')[0]!;
  assert.ok(
    readFileSync(`/proc/${hungPid}/cmdline`, 'utf8').includes(`-secret\0${agentSecret}`),
    'the hung child carries the secret',
  );

  // The incident's message (the fork-risk audit's warning about this deadlocker may come first).
  await waitFor(
    "the hung child's Slack message",
    async () => slack.requests.some((r) => r.body.includes(`child pid ${hungPid} `)),
    30_000,
  );
  const auth = { authorization: `Bearer ${TOKEN}` };
  const list = JSON.parse((await get(`${daemon.url}/api/v1/incidents?state=open`)).body) as {
    items: { id: string; childPid: number }[];
  };
  const incident = list.items.find((i) => i.childPid === hungPid);
  assert.ok(incident, `an incident for child ${hungPid}: ${JSON.stringify(list)}`);
  const id = incident.id;

  // Everything a client can read, with and without the token.
  const openapi = JSON.parse((await get(`${daemon.url}/openapi.json`)).body) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const apiGets = Object.entries(openapi.paths)
    .filter(([p, ops]) => 'get' in ops && !p.endsWith('/core'))
    .map(([p]) => p.replace('{id}', id).replace('{name}', 'agent'));
  const pages = ['/', `/incidents/${id}`, '/page/fragment/overview', `/page/fragment/incidents/${id}`];
  const seen: { where: string; body: string }[] = [];
  for (const path of [...apiGets, ...pages]) {
    for (const headers of [{}, auth]) {
      const r = await get(`${daemon.url}${path}`, headers);
      assert.ok(r.status < 400 || r.status === 404, `${path}: ${r.status} ${r.body.slice(0, 200)}`);
      seen.push({ where: `GET ${path}${'authorization' in headers ? ' (token)' : ''}`, body: r.body });
    }
  }
  const cli = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'src/cli/index.ts'), 'bundle', id, '--config', join(dir, 'forkwatch.json')],
    { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, FORKWATCH_CONFIG: '', NODE_OPTIONS: '' } },
  );
  seen.push({ where: 'forkwatch bundle', body: cli });
  for (const r of slack.requests) seen.push({ where: 'Slack message', body: r.body });
  const amAlerts = await am.alerts();
  assert.ok(amAlerts.length > 0, 'Alertmanager got the alert');
  seen.push({ where: 'Alertmanager alerts', body: JSON.stringify(amAlerts) });
  await new Promise((r) => setTimeout(r, 300)); // pino's async destination: let the last lines land
  seen.push({ where: 'daemon stdout/stderr', body: readFileSync(daemon.logFile, 'utf8') });

  for (const s of seen)
    for (const secret of secrets)
      assert.ok(!s.body.includes(secret), `${s.where} shows a secret (${secret.slice(0, 6)}…)`);
  // Not vacuous: the command line itself is shown, its secrets replaced.
  const children = seen.find((s) => s.where === 'GET /api/v1/children')!.body;
  assert.match(
    children,
    /-secret <redacted> -workDir \/tmp -Dhudson\.plugins\.git\.password=<redacted> --token=<redacted> https:\/\/alice:<redacted>@git\.example\.org/,
  );
  assert.ok(
    seen.some((s) => s.where === `GET /incidents/${id}` && s.body.includes('-secret &lt;redacted&gt;')),
    'the page shows the redacted cmdline',
  );

  // Raw kernel evidence: the syscall line only with the token; the verdict for everyone.
  const open = JSON.parse((await get(`${daemon.url}/api/v1/incidents/${id}`)).body) as {
    evidence: { kernel: { syscall: string | null; futexWaitPrivate: boolean }[]; stackRaw: string | null };
  };
  const authed = JSON.parse((await get(`${daemon.url}/api/v1/incidents/${id}`, auth)).body) as typeof open;
  assert.match(authed.evidence.kernel[0]!.syscall ?? '', /^202 0x/, 'the token shows /proc/PID/syscall');
  assert.equal(open.evidence.kernel[0]!.syscall, null);
  assert.equal(open.evidence.kernel[0]!.futexWaitPrivate, true);
  assert.match(authed.evidence.stackRaw ?? '', /0x[0-9a-f]{8,}/, 'eu-stack printed absolute addresses');
  assert.doesNotMatch(open.evidence.stackRaw ?? '', /0x[0-9a-f]{8,}/, 'no absolute address without the token');
  const syscallLine = readFileSync(`/proc/${hungPid}/syscall`, 'utf8').trim();
  for (const s of seen.filter((x) => !x.where.includes('(token)') && x.where.startsWith('GET')))
    assert.ok(!s.body.includes(syscallLine), `${s.where} shows the raw syscall line`);
});
