/** Small formatting helpers shared by the views: ages, times, badges, cmdlines. */
import { attr, encodePathSegment, html, truncate, type SafeHtml } from '../../expose/html/html.js';
import { formatAge } from '../../util/format-age.js';

/** Longest untrusted single value shown inline; the rest is summarised. */
export const MAX_INLINE_CHARS = 2000;

/** An age on the page: hours up to two days (yesterday's incident reads "30h 5m"); unknown: "—". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  return formatAge(ms, { daysFromHours: 48 });
}

function isoOf(ms: number): string | null {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** A timestamp as "5m 3s ago" with the exact UTC time as its tooltip and datetime. */
export function timeAgo(ms: number | null, now: number): SafeHtml {
  if (ms === null) return html`<span class="muted">—</span>`;
  const iso = isoOf(ms);
  if (!iso) return html`<span class="muted">—</span>`;
  const rel = ms <= now ? `${formatDuration(now - ms)} ago` : `in ${formatDuration(ms - now)}`;
  return html`<time datetime="${attr(iso)}" title="${attr(iso)}">${rel}</time>`;
}

export function absoluteTime(ms: number | null): SafeHtml {
  const iso = ms === null ? null : isoOf(ms);
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime="${attr(iso)}">${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time>`;
}

const KNOWN_STATES = new Set(['suspect', 'confirmed', 'remediated', 'resolved']);

export function stateBadge(state: string): SafeHtml {
  const cls = KNOWN_STATES.has(state) ? state : 'other';
  return html`<span class="badge state-${attr(cls)}">${untrusted(state, 40)}</span>`;
}

const CLASS_LABELS: Record<string, string> = { 'never-execed': "never exec'd", execed: "exec'd", zombie: 'zombie' };

export function classificationBadge(classification: string, overdue: boolean, hung: boolean): SafeHtml {
  const label = CLASS_LABELS[classification] ?? classification;
  const cls = hung ? 'hung' : overdue ? 'overdue' : classification === 'never-execed' ? 'young' : 'ok';
  const extra = hung ? ' · hung' : overdue ? ' · overdue' : '';
  return html`<span class="badge cls-${attr(cls)}">${untrusted(label, 40)}${extra}</span>`;
}

/** Untrusted text shown inline, cut when huge, wrapping anywhere so a long line cannot widen the page. */
export function untrusted(text: string | null, max = MAX_INLINE_CHARS): SafeHtml {
  if (text === null || text === '') return html`<span class="muted">—</span>`;
  const cut = truncate(text, max);
  const more = cut.omitted > 0 ? html`<span class="muted"> … ${cut.omitted} more characters</span>` : '';
  return html`<span class="untrusted">${cut.text}</span>${more}`;
}

export function cmdline(text: string | null): SafeHtml {
  if (text === null || text === '') return html`<span class="muted">—</span>`;
  return html`<code class="cmdline">${untrusted(text)}</code>`;
}

export function incidentHref(id: string): string {
  return `/incidents/${encodePathSegment(id)}`;
}
