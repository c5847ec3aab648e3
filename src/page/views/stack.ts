/**
 * The full captured stack with the signature's matched frames highlighted:
 * every thread, every frame, innermost first (frame #0 on top), the matched
 * ones marked. The raw capture follows, as text, for copy and paste.
 */
import { attr, html, truncate, type SafeHtml } from '../../expose/html/html.js';
import type { PageEvidence, PageFrame, PageThread } from '../model.js';
import { MAX_INLINE_CHARS, untrusted } from './format.js';

/** Raw capture shown on the page; the API and bundle keep the whole of it. */
export const MAX_RAW_STACK_CHARS = 256 * 1024;
const MAX_FRAMES_PER_THREAD = 512;

function renderFrame(frame: PageFrame, index: number, hit: boolean): SafeHtml {
  const offset = frame.offset !== null ? `+0x${frame.offset.toString(16)}` : '';
  const fn = frame.fn ?? '??';
  const body = html`<span class="fn">${untrusted(fn, MAX_INLINE_CHARS)}</span><span class="off">${offset}</span>${
    frame.module ? html` <span class="mod">(${untrusted(frame.module, 512)})</span>` : ''
  }${frame.address ? html` <span class="addr">${untrusted(frame.address, 64)}</span>` : ''}${
    frame.source ? html` <span class="src">${untrusted(frame.source, 512)}</span>` : ''
  }`;
  const label = html`<span class="idx">#${index}</span> `;
  return hit
    ? html`<li class="frame hit" data-frame="${index}">${label}<mark>${body}</mark><span class="hit-tag">matched</span></li>`
    : html`<li class="frame" data-frame="${index}">${label}${body}</li>`;
}

function renderThread(thread: PageThread, index: number, hits: Set<number>): SafeHtml {
  const shown = thread.frames.slice(0, MAX_FRAMES_PER_THREAD);
  const omitted = thread.frames.length - shown.length;
  const title = [
    `Thread ${index + 1}`,
    thread.tid !== null ? `TID ${thread.tid}` : null,
    thread.name ? `“${thread.name}”` : null,
    hits.size > 0 ? `${hits.size} matched frame${hits.size === 1 ? '' : 's'}` : null,
  ].filter((s): s is string => s !== null);
  return html`<section class="thread${hits.size > 0 ? ' has-hits' : ''}" data-thread="${index}">
<h4>${untrusted(title.join(' · '), 600)}</h4>
<ol class="frames">${shown.map((f, i) => renderFrame(f, i, hits.has(i)))}</ol>
${omitted > 0 ? html`<p class="muted">… ${omitted} more frames</p>` : ''}
</section>`;
}

export function renderStack(evidence: PageEvidence | null, detailsId: string): SafeHtml {
  if (!evidence) return html`<p class="muted">No stack captured yet.</p>`;
  const hitsByThread = new Map<number, Set<number>>();
  for (const m of evidence.matched) hitsByThread.set(m.threadIndex, new Set(m.frameIndexes));
  const threads = evidence.threads.map((t, i) => renderThread(t, i, hitsByThread.get(i) ?? new Set()));
  const capture = evidence.captureError
    ? html`<p class="warn">Capture problem: ${untrusted(evidence.captureError)}</p>`
    : '';
  return html`${capture}${threads.length > 0 ? html`<div class="stack">${threads}</div>` : html`<p class="muted">No parsed frames.</p>`}
${renderRawStack(evidence, detailsId)}`;
}

function renderRawStack(evidence: PageEvidence, detailsId: string): SafeHtml | string {
  if (!evidence.rawStack) return '';
  const cut = truncate(evidence.rawStack, MAX_RAW_STACK_CHARS);
  const backend = evidence.captureBackend ? ` (${evidence.captureBackend})` : '';
  return html`<details class="raw" id="${attr(detailsId)}"><summary>Raw capture${backend}</summary><pre class="raw-stack">${cut.text}</pre>${
    cut.omitted > 0 ? html`<p class="muted">… ${cut.omitted} more characters (see the API or the bundle)</p>` : ''
  }</details>`;
}
