/**
 * The status page, live: the REAL daemon (`node --import tsx src/cli/index.ts run`,
 * a separate process on loopback) beside the suite's deadlocked C program,
 * started from a copy of its binary whose file name is hostile markup and
 * with a hostile --label in its argv (so the cmdline the page shows for the
 * JVM stand-in and its never-exec'd children is hostile). Headless Chromium
 * from Debian reads the page: the hung children are listed as hung and the
 * decoys are not, the incident page highlights the matched frames, nothing
 * hostile runs or becomes an element, and each page is photographed on a
 * laptop and a phone viewport into test-artifacts/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import { deadlockerBinary } from '../../helpers/deadlocker.js';
import { requireTool } from '../../helpers/native-build.js';
import { runDaemon, writeDaemonConfig } from '../../helpers/daemon-process.js';
import { waitFor } from '../../helpers/wait.js';
import { launchChromium, screenshot, VIEWPORTS, watchPage, type PageWatch } from '../../helpers/browser.js';

const TOKEN = 'live-page-test-token-0123456789';
const HOSTILE_FILE = 'dl-"\'<img src=x onerror=alert(1)>';
const LABEL = '<script>alert("label")</script>\'"</textarea><b id="injected">x</b>\u202Eexe.txt';

interface Started {
  proc: ChildProcess;
  roles: { role: string; pid: number }[];
}

/** The deadlocker, run from a hostile-named copy with a hostile --label; stopped by pid. */
async function startHostileDeadlocker(dir: string): Promise<Started> {
  const binary = join(dir, HOSTILE_FILE);
  copyFileSync(deadlockerBinary(), binary);
  chmodSync(binary, 0o755);
  const args = ['--hung', '2', '--exec', '--busy', '--sleeper', '--zombie', '--threads', '3', '--label', LABEL];
  const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const roles: Started['roles'] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('deadlocker did not print "ready" within 10 s')), 10_000);
    proc.once('error', reject);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line === 'ready') {
        clearTimeout(timer);
        resolve();
        return;
      }
      const [role, pid] = line.split(' ');
      roles.push({ role: role!, pid: Number(pid) });
    });
  });
  return { proc, roles };
}

function killQuietly(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

interface IncidentJson {
  id: string;
  childPid: number;
  state: string;
  evidence?: { matches?: { frames: string[]; frameIndexes: number[] }[] };
}

/** Nothing hostile ran or became an element; the page's own script loaded without CSP complaints. */
async function assertInert(page: Page, w: PageWatch, label: string): Promise<void> {
  assert.deepEqual(w.dialogs, [], `${label}: a dialog fired`);
  assert.deepEqual(w.pageErrors, [], `${label}: page errors`);
  assert.deepEqual(w.consoleErrors, [], `${label}: console errors (CSP violations show here)`);
  assert.deepEqual(w.foreignRequests, [], `${label}: requests off the origin`);
  assert.equal(await page.locator('img').count(), 0, `${label}: an <img> element exists`);
  assert.equal(await page.locator('#injected').count(), 0, `${label}: an injected element exists`);
  assert.equal(await page.locator('script').count(), 1, `${label}: only the page's own script`);
}

async function assertNoHorizontalScroll(page: Page, label: string): Promise<void> {
  const [scroll, client] = (await page.evaluate(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  )) as [number, number];
  assert.ok(scroll <= client + 1, `${label}: page scrolls sideways (${scroll} > ${client})`);
}

/**
 * remediation.mode is dry-run here. Where the server has the kill route (issue 7),
 * the form is offered and, with the token and the in-page confirmation, the API
 * answers and nothing is signalled; where it has none, no control is rendered.
 */
async function checkKillControl(base: string, page: Page, pid: number): Promise<void> {
  const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths?: Record<string, unknown> };
  const hasKillRoute = Object.keys(openapi.paths ?? {}).some((p) =>
    /^\/api\/v1\/incidents\/(\{id\}|:id)\/kill$/.test(p),
  );
  const form = page.locator('form.kill-form');
  if (!hasKillRoute) {
    assert.equal(await form.count(), 0, 'no kill control without the kill route');
    return;
  }
  await form.waitFor({ state: 'visible' });
  await form.locator('input[name=token]').fill(TOKEN);
  await form.locator('button[type=submit]').click();
  await form.locator('[data-confirm]').click();
  // A locator wait, not waitForFunction: the page's CSP (rightly) forbids the eval that needs.
  await form
    .locator('.kill-result')
    .filter({ hasText: /Done|Refused|failed/ })
    .waitFor();
  const result = (await form.locator('.kill-result').textContent()) ?? '';
  assert.match(result, /^Done: /, `dry-run kill through the page: ${result}`);
  process.kill(pid, 0); // still alive: dry-run signals nothing (throws ESRCH otherwise)
}

test(
  'status page in Chromium against the real daemon beside hung children and decoys',
  { timeout: 240_000 },
  async (t) => {
    requireTool('eu-stack', ['--version']);
    const dir = mkdtempSync(join(tmpdir(), 'forkwatch-live-page-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const dl = await startHostileDeadlocker(dir);
    t.after(() => {
      for (const r of dl.roles) killQuietly(r.pid);
      killQuietly(dl.proc.pid);
    });
    const pidsOf = (role: string) => dl.roles.filter((r) => r.role === role).map((r) => r.pid);
    const hung = pidsOf('hung');
    const decoys = ['exec', 'busy', 'sleeper', 'zombie'].flatMap(pidsOf);
    assert.equal(hung.length, 2);

    const configPath = writeDaemonConfig(dir, {
      interval: '1s',
      hungAfter: '1s',
      auth: { token: TOKEN },
      remediation: { mode: 'dry-run' },
      targets: [{ name: 'jenkins', pid: dl.proc.pid }],
    });
    const browser: Browser = await launchChromium();
    t.after(() => browser.close());
    const d = await runDaemon(configPath, join(dir, 'daemon.log'));
    t.after(() => d.kill());

    const confirmed = await waitFor(
      'both hung children confirmed',
      async () => {
        const res = await fetch(`${d.url}/api/v1/incidents?state=confirmed&limit=100`);
        const items = ((await res.json()) as { items: IncidentJson[] }).items;
        return hung.every((p) => items.some((i) => i.childPid === p)) ? items : null;
      },
      60_000,
      300,
    );
    await new Promise((r) => setTimeout(r, 2500)); // a few more ticks: decoys get their chance to be (wrongly) confirmed

    // Overview, laptop.
    const laptop = await browser.newContext({ viewport: VIEWPORTS.laptop });
    t.after(() => laptop.close());
    const page = await laptop.newPage();
    const w = watchPage(page, d.url);
    await page.goto(`${d.url}/`);
    await page.waitForSelector('tr.child.hung');
    const hungRows = (
      await page.locator('tr.child.hung').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-pid'))))
    ).sort();
    assert.deepEqual(hungRows, [...hung].sort(), 'exactly the hung children are shown as hung');
    for (const pid of decoys) {
      const row = page.locator(`tr.child[data-pid="${pid}"]`);
      if ((await row.count()) > 0)
        assert.equal(await row.getAttribute('data-hung'), 'false', `decoy ${pid} shown as hung`);
    }
    for (const pid of ['exec', 'sleeper', 'busy'].flatMap(pidsOf)) {
      assert.equal(await page.locator(`tr.child[data-pid="${pid}"]`).count(), 1, `decoy ${pid} listed`);
    }
    const cmdText = (await page.locator(`tr.child[data-pid="${hung[0]}"] code.cmdline`).textContent()) ?? '';
    assert.ok(cmdText.includes(HOSTILE_FILE), `hostile file name shown as text: ${cmdText}`);
    assert.ok(
      cmdText.includes('<script>alert("label")</script>\'"</textarea><b id="injected">x</b>'),
      `hostile label shown as text: ${cmdText}`,
    );
    assert.ok(cmdText.includes('U+202E'), 'the RLO override is shown as a marker, not applied');
    await page.waitForSelector('html[data-refreshed]', { timeout: 15_000 });
    assert.equal(await page.locator('tr.child.hung').count(), hung.length, 'still there after an in-place refresh');
    await assertInert(page, w, 'overview');
    await screenshot(page, 'status-page-overview-laptop');

    // Incident page, laptop: matched frames highlighted in the full stack.
    const incident = confirmed.find((i) => i.childPid === hung[0])!;
    const full = (await (await fetch(`${d.url}/api/v1/incidents/${incident.id}`)).json()) as IncidentJson;
    const matchedFrames = full.evidence?.matches?.flatMap((m) => m.frames) ?? [];
    assert.ok(matchedFrames.length > 0, 'the API reports matched frames');
    const incPage = await laptop.newPage();
    const wi = watchPage(incPage, d.url);
    await incPage.goto(`${d.url}/incidents/${incident.id}`);
    const hits = await incPage.locator('li.frame.hit .fn').allTextContents();
    assert.ok(hits.length > 0, 'highlighted frames');
    const allFrames = await incPage.locator('li.frame').count();
    assert.ok(
      allFrames > hits.length,
      `the full stack is shown around the hits (${allFrames} frames, ${hits.length} hits)`,
    );
    for (const f of matchedFrames)
      assert.ok(
        hits.some((h) => h.includes(f.replace(/^__/, '')) || f.includes(h)),
        `matched frame ${f} highlighted among ${hits.join(', ')}`,
      );
    assert.equal(await incPage.locator('mark').count(), hits.length);
    const incCmd = (await incPage.locator('.facts code.cmdline').first().textContent()) ?? '';
    assert.ok(
      incCmd.includes('<img src=x onerror=alert(1)>'),
      `incident page shows the hostile cmdline as text: ${incCmd}`,
    );
    const stackText = (await incPage.locator('.stack').textContent()) ?? '';
    assert.ok(
      stackText.includes(HOSTILE_FILE),
      'the hostile binary path in the stack (module column) is shown as text',
    );
    await assertInert(incPage, wi, 'incident');
    await checkKillControl(d.url, incPage, hung[0]!);
    await screenshot(incPage, 'status-page-incident-laptop');

    // Phone.
    const phone = await browser.newContext({
      viewport: VIEWPORTS.phone,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    t.after(() => phone.close());
    const p2 = await phone.newPage();
    const wp = watchPage(p2, d.url);
    await p2.goto(`${d.url}/`);
    await p2.waitForSelector('tr.child.hung');
    await assertNoHorizontalScroll(p2, 'overview on a phone');
    await screenshot(p2, 'status-page-overview-phone');
    await p2.goto(`${d.url}/incidents/${incident.id}`);
    await assertNoHorizontalScroll(p2, 'incident on a phone');
    await assertInert(p2, wp, 'phone');
    await screenshot(p2, 'status-page-incident-phone');
  },
);
