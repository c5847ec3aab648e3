/** The page shell: head (assets by hashed URL), top bar, the refreshed region, footer. */
import { attr, html, type SafeHtml } from '../../expose/html/html.js';
import { ASSETS } from '../../expose/html/assets.js';
import type { PageStatus } from '../model.js';
import { timeAgo, untrusted } from './format.js';
import { truncate } from '../../expose/html/html.js';

export interface DocumentParts {
  title: string;
  status: PageStatus;
  /** The fragment URL the client script re-fetches; the same markup is inlined for readers without JS. */
  refreshSrc?: string;
  content: SafeHtml;
  /** Markup outside the refreshed region (the kill form keeps its typed token across refreshes). */
  aside?: SafeHtml;
  nav?: SafeHtml;
}

export const REFRESH_INTERVAL_MS = 5000;

export function renderDocument(parts: DocumentParts): string {
  const { status } = parts;
  return `<!doctype html>\n${
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${truncate(parts.title, 200).text}</title>
<link rel="icon" href="${attr(ASSETS.icon.path)}" type="image/svg+xml">
<link rel="stylesheet" href="${attr(ASSETS.css.path)}">
<script src="${attr(ASSETS.js.path)}" defer></script>
<noscript><meta http-equiv="refresh" content="30"></noscript>
</head>
<body>
<header class="top">
<a class="brand" href="/">forkwatch</a>
${status.host ? html`<span class="host" title="host">${untrusted(status.host, 200)}</span>` : ''}
${parts.nav ?? ''}
<span class="live" id="live" role="status" aria-live="polite">as of ${timeAgo(status.now, status.now)}</span>
</header>
<main id="content"${parts.refreshSrc ? html` data-refresh="${attr(parts.refreshSrc)}" data-interval="${REFRESH_INTERVAL_MS}"` : ''}>
${parts.content}
</main>
${parts.aside ? html`<div class="aside">${parts.aside}</div>` : ''}
<footer class="foot">
<span>forkwatch ${untrusted(status.version, 100)}</span>
<a href="/api/v1/incidents">JSON API</a>
<a href="/metrics">metrics</a>
</footer>
</body>
</html>`.value
  }\n`;
}

/** The top-of-page scan line: last scan, last success, errors, problems reading the API. */
export function renderScanStatus(status: PageStatus): SafeHtml {
  const stale =
    status.lastSuccessfulScanAt !== null &&
    status.intervalMs !== null &&
    status.now - status.lastSuccessfulScanAt > 3 * status.intervalMs;
  const errors = status.scanErrors.slice(0, 20);
  return html`<section class="scan${stale || status.lastSuccessfulScanAt === null ? ' stale' : ''}" aria-label="scan status">
<span>Last scan ${timeAgo(status.lastScanAt, status.now)}</span>
<span>last successful ${timeAgo(status.lastSuccessfulScanAt, status.now)}</span>
${status.intervalMs !== null ? html`<span>every ${Math.round(status.intervalMs / 100) / 10}s</span>` : ''}
<span>remediation: <strong>${untrusted(status.remediationMode, 40)}</strong></span>
${stale ? html`<strong class="warn">scans are late</strong>` : ''}
</section>
${status.problems.length > 0 ? html`<ul class="problems">${status.problems.map((p) => html`<li>${untrusted(p, 2000)}</li>`)}</ul>` : ''}
${
  errors.length > 0
    ? html`<details class="errors" id="scan-errors"><summary>${status.scanErrors.length} recent scan error${status.scanErrors.length === 1 ? '' : 's'}</summary><ul>${errors.map(
        (e) =>
          html`<li>${timeAgo(e.at, status.now)} ${e.stage ? html`<strong>${untrusted(e.stage, 100)}</strong>` : ''} ${untrusted(e.message, 2000)}</li>`,
      )}</ul></details>`
    : ''
}`;
}
