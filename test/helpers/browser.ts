/**
 * Headless Chromium from Debian (/usr/bin/chromium, installed by .ci/run)
 * driven by playwright-core: no browser download. A missing chromium FAILS
 * the test that needs it, never skips it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './native-build.js';

export const CHROMIUM_PATH = process.env.FORKWATCH_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts');

export const VIEWPORTS = {
  laptop: { width: 1366, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `required tool "chromium" is not installed at ${CHROMIUM_PATH}; .ci/run installs it (apt-get install chromium)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 60_000,
  });
}

/** What a page did that a test must see: dialogs (alert/confirm fired by injected code), console errors, CSP violations, page errors. */
export interface PageWatch {
  dialogs: string[];
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests to anywhere but the page's own origin. */
  foreignRequests: string[];
}

export function watchPage(page: Page, origin: string): PageWatch {
  const w: PageWatch = { dialogs: [], consoleErrors: [], pageErrors: [], foreignRequests: [] };
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => w.pageErrors.push(e.message));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('about:')) w.foreignRequests.push(url);
  });
  return w;
}

/** Full-page screenshot into test-artifacts/ (gitignored); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
