/** GET /incidents/:id : one incident, the page a Slack alert links to. */
import { attr, encodePathSegment, html, type SafeHtml } from '../../expose/html/html.js';
import type { IncidentPageData, PageIncident, PageStatus } from '../model.js';
import { absoluteTime, cmdline, stateBadge, timeAgo, untrusted } from './format.js';
import { renderDocument, renderScanStatus } from './layout.js';
import { isOpen, remediationSummary } from './overview.js';
import { renderStack } from './stack.js';

export function incidentFragmentPath(id: string): string {
  return `/page/fragment/incidents/${encodePathSegment(id)}`;
}

export function renderIncidentPage(data: IncidentPageData): string {
  const { incident, status } = data;
  const title = `${incident.state} · ${incident.signature?.title ?? incident.signature?.id ?? 'incident'} · pid ${incident.child.pid}`;
  return renderDocument({
    title: `${title} — forkwatch`,
    status,
    refreshSrc: incidentFragmentPath(incident.id),
    content: renderIncidentFragment(data),
    aside: renderKillPanel(incident, status),
    nav: html`<a href="/">all incidents</a>`,
  });
}

export function renderIncidentFragment(data: IncidentPageData): SafeHtml {
  const { incident: i, status } = data;
  return html`<div class="incident-page" data-incident="${attr(i.id)}" data-open="${isOpen(i) ? 'true' : 'false'}">
${renderScanStatus(status)}
<h1>${stateBadge(i.state)} ${i.signature ? untrusted(i.signature.title ?? i.signature.id, 300) : 'Unmatched hung child'}</h1>
${renderAdvice(i, status)}
<section class="card" aria-labelledby="h-facts"><h2 id="h-facts">What is stuck</h2>${renderFacts(i, status.now)}</section>
<section class="card" aria-labelledby="h-stack"><h2 id="h-stack">Stack of the hung child</h2>${renderStack(i.evidence, 'raw-stack')}</section>
${renderKernel(i)}
<section class="card" aria-labelledby="h-timeline"><h2 id="h-timeline">Timeline and actions</h2>${renderTimeline(i, status.now)}</section>
</div>`;
}

function renderAdvice(i: PageIncident, status: PageStatus): SafeHtml {
  if (i.state === 'resolved') return html`<p class="advice ok-note">Resolved: the child is gone. Nothing to do.</p>`;
  if (i.state === 'remediated')
    return html`<p class="advice">forkwatch acted on this child; it should disappear on the next scan.</p>`;
  const how = status.killAvailable
    ? 'use “Kill the hung child” below, or'
    : status.remediationMode === 'off'
      ? 'remediation is off here;'
      : 'this server offers no kill action;';
  return html`<p class="advice warn-note">The JVM thread that forked pid ${i.child.pid} waits for it forever. Killing the child (SIGKILL: it ignores TERM) lets that thread return and polling resume: ${how} run <code>kill -KILL ${i.child.pid}</code> as root on ${untrusted(i.host ?? 'the host', 200)} after checking it is the same process (started ${absoluteTime(i.child.startTimeMs)}).</p>`;
}

function renderFacts(i: PageIncident, now: number): SafeHtml {
  const sig = i.signature;
  const thread = i.forkingThread;
  return html`<dl class="facts">
<dt>Incident</dt><dd><code>${untrusted(i.id, 80)}</code></dd>
<dt>Signature</dt><dd>${sig ? html`<code>${untrusted(sig.id, 200)}</code>${sig.version ? html` v${sig.version}` : ''}${sig.severity ? html` · ${sig.severity}` : ''}` : html`<span class="muted">none matched</span>`}</dd>
<dt>Fingerprint</dt><dd>${i.fingerprint ? html`<code>${untrusted(i.fingerprint, 200)}</code>` : html`<span class="muted">—</span>`}</dd>
<dt>Jenkins job</dt><dd>${untrusted(i.jenkinsJob, 500)}</dd>
<dt>Forking JVM thread</dt><dd>${thread ? html`${untrusted(thread.javaName ?? thread.name, 500)}${thread.tid !== null ? html` (TID ${thread.tid})` : ''}` : html`<span class="muted">—</span>`}</dd>
<dt>Target</dt><dd>${untrusted(i.target.name, 200)} · pid ${i.target.pid ?? '?'} · started ${absoluteTime(i.target.startTimeMs)}</dd>
<dt>Hung child</dt><dd>pid <strong>${i.child.pid}</strong> · started ${absoluteTime(i.child.startTimeMs)} (${timeAgo(i.child.startTimeMs, now)})${i.child.comm ? html` · comm ${untrusted(i.child.comm, 100)}` : ''}</dd>
<dt>Command line</dt><dd>${cmdline(i.child.cmdline)}</dd>
<dt>Remediation</dt><dd>${remediationSummary(i)}</dd>
</dl>`;
}

function renderKernel(i: PageIncident): SafeHtml | string {
  const facts = i.evidence?.kernel ?? [];
  if (facts.length === 0) return '';
  return html`<section class="card" aria-labelledby="h-kernel"><h2 id="h-kernel">Kernel evidence</h2><dl class="facts">${facts.map(
    (f) => html`<dt>${untrusted(f.label, 100)}</dt><dd><code>${untrusted(f.value, 1000)}</code></dd>`,
  )}</dl></section>`;
}

function renderTimeline(i: PageIncident, now: number): SafeHtml {
  const steps: [string, number | null][] = [
    ['opened (suspect)', i.openedAt],
    ['confirmed', i.confirmedAt],
    ['remediated', i.remediatedAt],
    ['resolved', i.resolvedAt],
    ['last seen', i.lastSeenAt],
  ];
  return html`<ul class="timeline">${steps
    .filter(([, at]) => at !== null)
    .map(([label, at]) => html`<li><strong>${label}</strong> ${absoluteTime(at)} (${timeAgo(at, now)})</li>`)}</ul>
${
  i.audit.length === 0
    ? html`<p class="muted">No actions recorded.</p>`
    : html`<table class="audit"><thead><tr><th>when</th><th>action</th><th>outcome</th><th>by</th><th>detail</th></tr></thead><tbody>${i.audit.map(
        (a) =>
          html`<tr><td data-label="when">${absoluteTime(a.at)}</td><td data-label="action">${untrusted(a.action, 200)}</td><td data-label="outcome">${untrusted(a.outcome, 200)}</td><td data-label="by">${untrusted(a.actor, 200)}</td><td data-label="detail">${untrusted(a.detail, 2000)}</td></tr>`,
      )}</tbody></table>`
}`;
}

/**
 * The kill control, outside the refreshed region so a typed token survives a
 * refresh. Rendered only where remediation is enabled and the API route exists;
 * the script asks for confirmation in the page before it calls the API.
 */
export function renderKillPanel(i: PageIncident, status: PageStatus): SafeHtml | undefined {
  if (!status.killAvailable || !isOpen(i) || i.state === 'remediated') return undefined;
  const action = `/api/v1/incidents/${encodePathSegment(i.id)}/kill`;
  return html`<section class="card kill" id="kill" aria-labelledby="h-kill" data-incident="${attr(i.id)}">
<h2 id="h-kill">Kill the hung child</h2>
<p>Sends SIGKILL to pid <strong>${i.child.pid}</strong> after forkwatch re-checks it is still the same hung child of ${untrusted(i.target.name, 200)}. Remediation mode: <strong>${untrusted(status.remediationMode, 40)}</strong>${status.remediationMode === 'dry-run' ? ' (nothing is signalled; the decision is recorded)' : ''}.</p>
<form class="kill-form" hidden method="post" action="${attr(action)}" data-kill-url="${attr(action)}" data-pid="${i.child.pid}">
<label for="kill-token">API bearer token</label>
<input id="kill-token" name="token" type="password" autocomplete="off" spellcheck="false">
<button type="submit" class="danger">Kill pid ${i.child.pid}…</button>
<div class="confirm" hidden>
<p>Really send SIGKILL to pid <strong>${i.child.pid}</strong> (${untrusted(i.target.name, 200)})?</p>
<button type="button" class="danger" data-confirm>Yes, kill it</button>
<button type="button" data-cancel>Cancel</button>
</div>
<p class="kill-result" role="status" aria-live="polite"></p>
</form>
<noscript><p class="muted">The kill action needs JavaScript. From a shell: <code>curl -X POST -H 'Authorization: Bearer TOKEN' ${'<this host>'}${action}</code></p></noscript>
</section>`;
}
