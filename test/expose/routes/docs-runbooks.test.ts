/**
 * Every documentation link the deploy files hand out resolves on a real
 * daemon: the built package (`node dist/cli/index.js run`, docs/ beside dist/ as
 * installed) is started, each rule's runbook_url is rendered with instance =
 * the daemon's host:port (as Prometheus renders it for a scraped target), the
 * systemd unit's, SMF manifest's and Grafana dashboard's /docs links are
 * pointed at the same daemon, and each is fetched: 200 and its anchor id in
 * the page. Over real HTTP too: a non-normalized `../` path is 404 and /docs
 * is rate-limited like every GET route. Needs `npm run build` first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { freePort } from '../../helpers/alertmanager.js';
import { writeDaemonConfig } from '../../helpers/daemon-process.js';
import { REPO_ROOT } from '../../helpers/native-build.js';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../../src/daemon/node-flags.js';
import { GET_RATE_LIMIT } from '../../../src/expose/server.js';
import { ruleRunbookUrls } from '../../deploy/support.js';

const CLI = join(REPO_ROOT, 'dist/cli/index.js');

interface Daemon {
  base: string;
  hostPort: string;
  stop(): Promise<void>;
}

async function startBuiltDaemon(dir: string): Promise<Daemon> {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const port = await freePort();
  const config = writeDaemonConfig(dir, { listen: { host: '127.0.0.1', port } });
  const log = openSync(join(dir, 'daemon.log'), 'a');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FORKWATCH_')));
  const proc = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, 'run', '--config', config], {
    cwd: dir,
    stdio: ['ignore', log, log],
    env: { ...env, ...DAEMON_ENV, NODE_OPTIONS: '' },
  });
  closeSync(log);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(
        `forkwatch run exited ${proc.exitCode}: ${readFileSync(join(dir, 'daemon.log'), 'utf8').slice(-2000)}`,
      );
    const ok = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { base, hostPort: `127.0.0.1:${port}`, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `forkwatch run not healthy within 30 s: ${readFileSync(join(dir, 'daemon.log'), 'utf8').slice(-2000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function filesUnder(rel: string): string[] {
  const abs = join(REPO_ROOT, rel);
  if (statSync(abs).isFile()) return [rel];
  return readdirSync(abs).flatMap((f) => filesUnder(join(rel, f)));
}

/** Every http(s) URL with a /docs/ path in deploy/, with where it was found. */
function deployDocLinks(): { where: string; url: string }[] {
  const out: { where: string; url: string }[] = [];
  for (const f of filesUnder('deploy')) {
    for (const m of readFileSync(join(REPO_ROOT, f), 'utf8').matchAll(
      /https?:\/\/(?:\{\{ \$labels\.instance \}\}|\$\{instance\}|[A-Za-z0-9.:[\]-]+)\/docs\/[^\s"'<>]*/g,
    ))
      out.push({ where: f, url: m[0] });
  }
  return out;
}

/**
 * The URL aimed at the daemon: its host part is a rule's template, Grafana's ${instance}, the default localhost:9710
 * (unit, SMF), or a promtool test's rendered instance (ciN:9710); anything else is a link to somewhere else: a failure.
 */
function aimAt(url: string, hostPort: string): string {
  const m = /^http:\/\/(\{\{ \$labels\.instance \}\}|\$\{instance\}|localhost:9710|ci[0-9]:9710)(\/docs\/.*)$/.exec(
    url,
  );
  assert.ok(m, `${url}: not a link to the scraped forkwatch's /docs`);
  return `http://${hostPort}${m[2]}`;
}

const idsIn = (html: string): Set<string> => new Set([...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]!));

async function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => (data += c));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
    sock.setTimeout(5000, () => sock.destroy(new Error('timeout')));
    sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

test('no reference to the nonexistent github.com/forkwatch repository in deploy/, docs/ or the README', () => {
  for (const f of [...filesUnder('deploy'), ...filesUnder('docs'), 'README.md', 'Dockerfile']) {
    assert.doesNotMatch(readFileSync(join(REPO_ROOT, f), 'utf8'), /github\.com\/forkwatch/i, f);
  }
});

test('every runbook_url and /docs link of deploy/ resolves on the running daemon, its anchor an id of the page', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-runbooks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = await startBuiltDaemon(dir);
  t.after(() => d.stop());

  const rules = ruleRunbookUrls();
  assert.ok(
    rules.length >= 7 && rules.every((r) => r.url.includes('{{ $labels.instance }}')),
    'every rule links the scraped instance',
  );
  const links = [
    ...rules.map((r) => ({ where: `rule ${r.alert}`, url: r.url })),
    ...deployDocLinks().filter((l) => !l.where.endsWith('.rules.yml')),
  ];
  for (const kind of ['systemd', 'smf', 'grafana', 'kubernetes'])
    assert.ok(
      links.some((l) => l.where.startsWith(`deploy/${kind}/`)),
      `a /docs link in deploy/${kind}`,
    );
  assert.ok(links.length >= 25, `only ${links.length} links`);
  for (const { where, url } of links) {
    const target = aimAt(url, d.hostPort);
    const res = await fetch(target, { signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    assert.equal(res.status, 200, `${where}: GET ${target}`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/, where);
    const anchor = new URL(target).hash.slice(1);
    if (anchor) assert.ok(idsIn(body).has(anchor), `${where}: ${target} has no id="${anchor}"`);
    // Stay under the per-client GET budget (the rate limit applies to /docs too: checked below).
    await new Promise((r) => setTimeout(r, 1000 / GET_RATE_LIMIT.max + 5));
  }
  // The unit's file: URL names the same file the daemon serves, where the install puts the package.
  const unit = readFileSync(join(REPO_ROOT, 'deploy/systemd/forkwatch.service'), 'utf8');
  const fileUrl = /Documentation=.*file:\/\/(\/\S+)/.exec(unit)?.[1];
  assert.ok(fileUrl, 'Documentation= has a file: URL');
  assert.equal(relative('/opt/forkwatch', fileUrl), 'docs/operations.md');
  const raw = await fetch(`${d.base}/docs/operations.md?raw`);
  assert.equal(await raw.text(), readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8'));
});

test('over real HTTP: an un-normalized ../ path is 404, /docs is rate-limited like every GET route', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-runbooks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = await startBuiltDaemon(dir);
  t.after(() => d.stop());
  const port = Number(d.hostPort.split(':')[1]);
  for (const path of [
    '/docs/../../etc/passwd',
    '/docs/..%2F..%2Fetc%2Fpasswd',
    '/docs/../package.json',
    '/docs/%2e%2e/%2e%2e/etc/passwd',
  ]) {
    const answer = await rawGet(port, path);
    assert.match(answer, /^HTTP\/1\.1 404 /, `${path}: ${answer.slice(0, 200)}`);
    assert.doesNotMatch(answer, /root:x:0|"name": "forkwatch"/, path);
  }
  const statuses = await Promise.all(
    Array.from({ length: GET_RATE_LIMIT.max + 10 }, () =>
      fetch(`${d.base}/docs/operations`).then(async (r) => (await r.arrayBuffer(), r.status)),
    ),
  );
  assert.ok(statuses.includes(429), `no 429 among ${statuses.join(',')}`);
  assert.ok(statuses.includes(200));
});
