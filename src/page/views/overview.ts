/** GET / : targets, their children, open incidents (with stacks), recently resolved ones. */
import { attr, html, type SafeHtml } from '../../expose/html/html.js';
import type { OverviewData, PageChild, PageForkRisk, PageIncident, PageTarget } from '../model.js';
import {
  classificationBadge,
  cmdline,
  formatDuration,
  incidentHref,
  stateBadge,
  timeAgo,
  untrusted,
} from './format.js';
import { renderDocument, renderScanStatus } from './layout.js';
import { renderStack } from './stack.js';

export const OVERVIEW_FRAGMENT_PATH = '/page/fragment/overview';

const OPEN_STATES = new Set(['suspect', 'confirmed', 'remediated']);
const SEVERITIES = new Set(['critical', 'warning', 'info']);
const HUNG_STATES = new Set(['confirmed', 'remediated']);

export function isOpen(incident: PageIncident): boolean {
  return OPEN_STATES.has(incident.state);
}

export function renderOverviewPage(data: OverviewData): string {
  const hung = data.openIncidents.filter((i) => HUNG_STATES.has(i.state)).length;
  const title = hung > 0 ? `(${hung} hung) forkwatch` : 'forkwatch';
  return renderDocument({
    title,
    status: data.status,
    refreshSrc: OVERVIEW_FRAGMENT_PATH,
    content: renderOverviewFragment(data),
  });
}

export function renderOverviewFragment(data: OverviewData): SafeHtml {
  const { status } = data;
  return html`${renderScanStatus(status)}
<section class="incidents" aria-labelledby="h-open">
<h2 id="h-open">Open incidents <span class="count">${data.openIncidents.length}${data.moreOpenCursor ? '+' : ''}</span></h2>
${data.openIncidents.length === 0 ? html`<p class="ok-note">No hung children.</p>` : data.openIncidents.map((i) => renderIncidentCard(i, status.now))}
${data.moreOpenCursor ? renderMoreOpen(data.openIncidents.length, data.moreOpenCursor) : ''}
</section>
<section aria-labelledby="h-targets">
<h2 id="h-targets">Watched JVMs <span class="count">${data.targets.length}</span></h2>
${data.targets.length === 0 ? html`<p class="muted">No targets reported yet.</p>` : data.targets.map((t) => renderTarget(t, data))}
</section>
<section aria-labelledby="h-resolved">
<h2 id="h-resolved">Recently resolved</h2>
${renderResolved(data.resolvedIncidents, status.now)}
</section>`;
}

/** The overview shows a bounded number of open incidents; the others are listed by the API, page by page. */
function renderMoreOpen(shown: number, cursor: string): SafeHtml {
  const href = `/api/v1/incidents?state=open&limit=${shown}&cursor=${encodeURIComponent(cursor)}`;
  return html`<p class="muted more-open">More open incidents than the ${shown} shown here: <a href="${attr(href)}">the next ${shown} (JSON)</a>; each incident's own page has its stack.</p>`;
}

function renderIncidentCard(i: PageIncident, now: number): SafeHtml {
  const sig = i.signature;
  const sev = sig?.severity && SEVERITIES.has(sig.severity) ? sig.severity : 'none';
  return html`<article class="incident card sev-${sev}" data-incident="${attr(i.id)}">
<header>
${stateBadge(i.state)}
<a class="incident-link" href="${attr(incidentHref(i.id))}">${sig ? untrusted(sig.title ?? sig.id, 300) : 'no signature matched yet'}</a>
</header>
<dl class="facts">
<dt>Signature</dt><dd>${sig ? html`<code>${untrusted(sig.id, 200)}</code>${sig.version ? html` v${sig.version}` : ''}` : html`<span class="muted">—</span>`}</dd>
<dt>Hung child</dt><dd>pid <strong>${i.child.pid}</strong> of ${untrusted(i.target.name, 200)} (pid ${i.target.pid ?? '?'})</dd>
<dt>Jenkins job</dt><dd>${untrusted(i.jenkinsJob, 500)}</dd>
<dt>Forking thread</dt><dd>${i.forkingThread ? untrusted(i.forkingThread.javaName ?? i.forkingThread.name, 500) : html`<span class="muted">—</span>`}</dd>
<dt>Since</dt><dd>${timeAgo(i.openedAt, now)}</dd>
<dt>Remediation</dt><dd>${remediationSummary(i)}</dd>
</dl>
<details class="evidence" id="${attr(`ev-${i.id}`)}"><summary>Stack (matched frames highlighted)</summary>${renderStack(i.evidence, `raw-${i.id}`)}</details>
</article>`;
}

export function remediationSummary(i: PageIncident): SafeHtml {
  const last = i.audit[i.audit.length - 1];
  if (i.state === 'remediated' || last) {
    return html`${i.state === 'remediated' ? html`<strong>remediated</strong> ` : ''}${
      last ? html`${untrusted(last.action, 200)}${last.outcome ? html` → ${untrusted(last.outcome, 200)}` : ''}` : ''
    }`;
  }
  return html`<span class="muted">none yet</span>`;
}

function renderTarget(t: PageTarget, data: OverviewData): SafeHtml {
  const children = data.children.filter(
    (c) => c.target === t.name && (t.pid === null || c.targetPid === null || c.targetPid === t.pid),
  );
  return html`<article class="target card" data-target="${attr(t.name)}">
<header><strong>${untrusted(t.name, 200)}</strong> ${
    t.up ? html`<span class="badge up">up</span> pid ${t.pid ?? '?'}` : html`<span class="badge down">not found</span>`
  } ${t.user ? html`<span class="muted">user ${untrusted(t.user, 100)}</span>` : ''} ${
    t.startTimeMs !== null ? html`<span class="muted">up ${formatDuration(data.status.now - t.startTimeMs)}</span>` : ''
  }</header>
${t.cmdline ? html`<p class="target-cmd">${cmdline(t.cmdline)}</p>` : ''}
${t.forkRisk ? renderForkRisk(t.forkRisk, t.pid) : ''}
${children.length === 0 ? (t.up ? html`<p class="muted">No children.</p>` : '') : renderChildren(children)}
</article>`;
}

const RISK_CLASS: Record<string, string> = { high: 'down', low: 'state-suspect', none: 'up' };

/** The target's fork-risk audit: risk, then each reason with its evidence (from the process: untrusted) and prevention. */
function renderForkRisk(a: PageForkRisk, pid: number | null): SafeHtml {
  if (pid !== null && a.pid !== null && a.pid !== pid) return html``;
  const risk = a.risk ?? 'cannot tell';
  return html`<section class="fork-risk" data-risk="${attr(risk)}">
<p><strong>Fork risk</strong> <span class="badge ${Object.hasOwn(RISK_CLASS, risk) ? RISK_CLASS[risk]! : ''}">${risk}</span>${a.auditedAt !== null ? html` <span class="muted">audited ${untrusted(new Date(a.auditedAt).toISOString(), 40)}</span>` : ''}</p>
${
  a.reasons.length > 0
    ? html`<table class="fork-risk-reasons">
<tr><th>level</th><th>reason</th><th>evidence</th><th>prevention</th></tr>
${a.reasons.map((r) => html`<tr data-rule="${attr(r.rule)}"><td data-label="level">${untrusted(r.level, 20)}</td><td data-label="reason">${untrusted(r.title, 300)} <code>${untrusted(r.rule, 128)}</code></td><td data-label="evidence"><code class="evidence">${untrusted(r.evidence, 512)}</code></td><td data-label="prevention">${untrusted(r.prevention, 1000)}</td></tr>`)}
</table>`
    : ''
}
${a.notes.length > 0 ? html`<p class="muted">${a.notes.map((n, i) => html`${i > 0 ? '; ' : ''}${untrusted(n, 300)}`)}</p>` : ''}
</section>`;
}

/** A child is shown as hung when its open incident is confirmed (or already remediated): not merely overdue. */
export function isHungChild(c: PageChild): boolean {
  return c.incidentState !== undefined && c.incidentState !== null && HUNG_STATES.has(c.incidentState);
}

function renderChildren(children: PageChild[]): SafeHtml {
  return html`<table class="children">
<thead><tr><th>pid</th><th>classification</th><th>age</th><th>state</th><th>comm</th><th>command line</th></tr></thead>
<tbody>${children.map((c) => renderChild(c, isHungChild(c)))}</tbody>
</table>`;
}

function renderChild(c: PageChild, hung: boolean): SafeHtml {
  const pid = c.incidentId ? html`<a href="${attr(incidentHref(c.incidentId))}">${c.pid}</a>` : html`${c.pid}`;
  return html`<tr class="child${hung ? ' hung' : ''}" data-pid="${c.pid}" data-classification="${attr(c.classification)}" data-hung="${hung ? 'true' : 'false'}">
<td data-label="pid">${pid}</td>
<td data-label="class">${classificationBadge(c.classification, c.overdue, hung)}${
    c.incidentState && !hung ? html` ${stateBadge(c.incidentState)}` : ''
  }</td>
<td data-label="age">${c.ageMs !== null ? formatDuration(c.ageMs) : '—'}</td>
<td data-label="state">${untrusted(c.state, 200)}</td>
<td data-label="comm">${untrusted(c.comm, 100)}</td>
<td data-label="cmdline">${cmdline(c.cmdline)}</td>
</tr>`;
}

function renderResolved(incidents: PageIncident[], now: number): SafeHtml {
  if (incidents.length === 0) return html`<p class="muted">None.</p>`;
  return html`<table class="resolved">
<thead><tr><th>incident</th><th>signature</th><th>child</th><th>job</th><th>opened</th><th>resolved</th></tr></thead>
<tbody>${incidents.map(
    (i) => html`<tr data-incident="${attr(i.id)}">
<td data-label="incident"><a href="${attr(incidentHref(i.id))}">${untrusted(i.id, 80)}</a> ${stateBadge(i.state)}</td>
<td data-label="signature">${i.signature ? untrusted(i.signature.id, 200) : html`<span class="muted">—</span>`}</td>
<td data-label="child">pid ${i.child.pid} of ${untrusted(i.target.name, 200)}</td>
<td data-label="job">${untrusted(i.jenkinsJob, 300)}</td>
<td data-label="opened">${timeAgo(i.openedAt, now)}</td>
<td data-label="resolved">${timeAgo(i.resolvedAt, now)}</td>
</tr>`,
  )}</tbody>
</table>`;
}
