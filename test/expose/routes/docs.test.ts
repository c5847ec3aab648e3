/**
 * GET /docs/…: the index lists every file of docs/, each doc renders with the
 * anchors its links and the alert rules' runbook_url use, the raw Markdown is
 * offered, unknown and traversing names are 404, and every answer carries the
 * status page's security headers behind the same Host guard, without a token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createDaemon } from '../../../src/daemon/index.js';
import { createMetrics } from '../../../src/extension/metrics.js';
import { SECURITY_HEADERS } from '../../../src/expose/html/headers.js';
import { docsPlugin, listDocs, SHIPPED_DOCS_DIR } from '../../../src/expose/routes/docs.js';
import { silentLogger } from '../../../src/util/logger.js';
import { REPO_ROOT } from '../../helpers/native-build.js';
import { ruleRunbookUrls } from '../../deploy/support.js';
import { fakeEvidence, fakeMatcher, fakeScanner, report, tempStore, testConfig } from '../fakes.js';

const TOKEN = 'test-token-0123456789abcdef';
const DOCS = readdirSync(join(REPO_ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .sort();

async function setup(t: import('node:test').TestContext) {
  const s = tempStore();
  const daemon = createDaemon({
    config: testConfig({ auth: { token: TOKEN } }),
    logger: silentLogger(),
    store: s.store,
    stages: { scanner: fakeScanner(report([])), evidence: fakeEvidence(new Map()), matcher: fakeMatcher() },
    metrics: createMetrics(),
    extensions: [],
    postRateLimit: { max: 1000, timeWindow: 60_000 },
  });
  const app = await daemon.buildApp();
  await app.ready();
  t.after(async () => {
    await daemon.stop();
    s.cleanup();
  });
  return app;
}

function assertSecurityHeaders(res: { headers: Record<string, unknown> }, what: string) {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) assert.equal(res.headers[k], v, `${what}: ${k}`);
}

const idsIn = (html: string): Set<string> => new Set([...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]!));

test('the docs served are the package docs/ folder, every *.md of it', () => {
  assert.equal(SHIPPED_DOCS_DIR, join(REPO_ROOT, 'docs') + '/');
  assert.deepEqual([...listDocs(SHIPPED_DOCS_DIR).keys()].map((n) => `${n}.md`).sort(), DOCS);
  assert.ok(DOCS.includes('operations.md'));
});

test('GET /docs/ (and /docs) lists every doc with its title, links each, and points at the alert runbook; no token needed', async (t) => {
  const app = await setup(t);
  for (const url of ['/docs/', '/docs']) {
    const res = await app.inject(url);
    assert.equal(res.statusCode, 200, url);
    assert.match(res.headers['content-type'] as string, /^text\/html; charset=utf-8/);
    assertSecurityHeaders(res, url);
    for (const f of DOCS) {
      const name = f.replace(/\.md$/, '');
      const title = (/^#\s+(.+)$/m.exec(readFileSync(join(REPO_ROOT, 'docs', f), 'utf8'))?.[1]?.trim() ?? name).replace(
        /`/g,
        '',
      );
      assert.ok(res.body.includes(`<a href="/docs/${name}">`), `${url} links ${name}`);
      assert.ok(
        res.body.includes(title.replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/</g, '&lt;')),
        `${url} shows the title of ${f}: ${title}`,
      );
    }
    assert.ok(res.body.includes('href="/docs/operations#alert-runbook"'));
  }
});

test('every runbook_url of the alert rules names a section that /docs/operations serves as an id', async (t) => {
  const app = await setup(t);
  const urls = ruleRunbookUrls();
  assert.ok(urls.length >= 7);
  for (const { alert, url } of urls) {
    const m = /^http:\/\/\{\{ \$labels\.instance \}\}(\/docs\/[^#]+)#(.+)$/.exec(url);
    assert.ok(m, `${alert}: runbook_url ${url}`);
    const res = await app.inject(m[1]!);
    assert.equal(res.statusCode, 200, `${alert}: GET ${m[1]}`);
    assert.ok(idsIn(res.body).has(m[2]!), `${alert}: no id="${m[2]}" in ${m[1]}`);
  }
});

test('every doc renders, and every link between the docs lands on an id that exists', async (t) => {
  const app = await setup(t);
  const pages = new Map<string, string>();
  for (const f of DOCS) {
    for (const url of [`/docs/${f}`, `/docs/${f.replace(/\.md$/, '')}`]) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 200, url);
      assert.match(res.headers['content-type'] as string, /^text\/html/);
      assertSecurityHeaders(res, url);
      assert.doesNotMatch(res.body, /<script/i, `${url}: no script`);
      pages.set(f, res.body);
    }
  }
  const broken: string[] = [];
  for (const [f, html] of pages) {
    for (const [, target] of html.matchAll(/<a href="([^"/:]*#[^"]+)"/g)) {
      const [file, anchor] = target!.split('#') as [string, string];
      const page = pages.get(file || f);
      if (!page || !idsIn(page).has(anchor)) broken.push(`${f} → ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('raw Markdown: ?raw or Accept: text/markdown gives the file itself; a browser Accept gets HTML', async (t) => {
  const app = await setup(t);
  const file = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
  for (const req of [
    { url: '/docs/operations.md?raw' },
    { url: '/docs/operations?raw=1' },
    { url: '/docs/operations.md', headers: { accept: 'text/markdown' } },
  ]) {
    const res = await app.inject(req);
    assert.equal(res.statusCode, 200, req.url);
    assert.match(res.headers['content-type'] as string, /^text\/markdown; charset=utf-8/);
    assert.equal(res.body, file);
    assertSecurityHeaders(res, req.url);
    assert.match(String(res.headers.vary), /Accept/);
  }
  const html = await app.inject({
    url: '/docs/operations.md',
    headers: { accept: 'text/html,application/xhtml+xml,text/markdown;q=0.1,*/*;q=0.8' },
  });
  assert.match(html.headers['content-type'] as string, /^text\/html/);
});

test('unknown, traversing and encoded names are 404 in the one error shape, with the security headers', async (t) => {
  const app = await setup(t);
  const urls = [
    '/docs/nope',
    '/docs/README.md',
    '/docs/..%2F..%2Fetc%2Fpasswd',
    '/docs/..%2fpackage.json',
    '/docs/%2e%2e%2fREADME.md',
    '/docs/..%252F..%252Fetc%252Fpasswd',
    '/docs/..%5C..%5Cpackage.json',
    '/docs/operations.md%00',
    '/docs/operations%2emd%2f..%2f..%2fpackage.json',
    '/docs/OPERATIONS.md',
    '/docs/operations.MD',
    '/docs/.md',
    '/docs/constructor',
    '/docs/__proto__',
    '/docs/hasOwnProperty.md',
    '/docs/%2Fetc%2Fpasswd',
  ];
  for (const url of urls) {
    const res = await app.inject(url);
    assert.equal(res.statusCode, 404, `${url}: ${res.body.slice(0, 200)}`);
    assert.deepEqual(Object.keys(res.json() as object).sort(), ['error', 'message', 'statusCode'], url);
    assert.doesNotMatch(res.body, /root:|"name": "forkwatch"/, url);
    assertSecurityHeaders(res, url);
  }
  // Unencoded ../ never reaches the route (several segments): the server's own 404.
  for (const url of ['/docs/../../etc/passwd', '/docs/../package.json', '/docs/a/b']) {
    const res = await app.inject(url);
    assert.ok([404].includes(res.statusCode), `${url}: ${res.statusCode}`);
    assert.doesNotMatch(res.body, /root:|"name": "forkwatch"/, url);
  }
});

test('a foreign Host is refused with 421 on /docs; loopback names pass', async (t) => {
  const app = await setup(t);
  for (const url of ['/docs/', '/docs/operations', '/docs/operations.md?raw']) {
    const bad = await app.inject({ url, headers: { host: 'evil.example:9710' } });
    assert.equal(bad.statusCode, 421, url);
    const ok = await app.inject({ url, headers: { host: 'localhost:9710' } });
    assert.equal(ok.statusCode, 200, url);
  }
});

test('a docs folder elsewhere: only regular NAME.md files are served, symlinks and other names are not, HTML in them is escaped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-docs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'evil.md'),
    '# Evil <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n[x](javascript:alert`1`)\n',
  );
  writeFileSync(join(dir, 'notes.txt'), 'not markdown');
  writeFileSync(join(dir, '.hidden.md'), '# hidden');
  mkdirSync(join(dir, 'sub.md'));
  symlinkSync('/etc/passwd', join(dir, 'passwd.md'));
  const docs = listDocs(dir);
  assert.deepEqual([...docs.keys()], ['evil']);
  const app = Fastify();
  await app.register(docsPlugin, { docs });
  t.after(() => app.close());
  const res = await app.inject('/docs/evil');
  assert.equal(res.statusCode, 200);
  assert.doesNotMatch(res.body, /<script>alert|<img|href="javascript/);
  assert.match(res.body, /<title>Evil &lt;script&gt;alert\(1\)&lt;\/script&gt; — forkwatch docs<\/title>/);
  for (const url of [
    '/docs/passwd',
    '/docs/passwd.md',
    '/docs/notes.txt',
    '/docs/notes',
    '/docs/.hidden',
    '/docs/sub',
  ]) {
    assert.equal((await app.inject(url)).statusCode, 404, url);
  }
  assert.deepEqual([...listDocs(join(dir, 'missing')).keys()], [], 'no docs folder: nothing served, no throw');
});
