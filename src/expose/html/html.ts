/**
 * The one way the status page builds HTML: the `html` tag escapes every
 * interpolated value unless it is already SafeHtml. Stack text, cmdlines,
 * thread and job names are untrusted (a JVM's child can put anything in its
 * argv), so nothing reaches the page without passing through escapeText.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Characters that would mislead a reader or break the layout: C0/C1 controls
 * (except tab and newline), bidi overrides and isolates, zero-width and BOM,
 * line/paragraph separators, and lone surrogates. Shown as a visible marker.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function codePointLabel(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Escape for text (safe in a quoted attribute too: the marker has no quotes); controls become visible markers. */
export function escapeText(text: string): string {
  const escaped = text.replace(/[&<>"'`]/g, (ch) => ENTITIES[ch] ?? ch);
  return escaped.replace(INVISIBLE, (ch) => `<span class=ctl>${codePointLabel(ch)}</span>`);
}

/** Escape for an attribute value: like escapeText, but controls become plain "U+XXXX" text (no markup inside attributes). */
export function escapeAttr(text: string): string {
  return text.replace(/[&<>"'`]/g, (ch) => ENTITIES[ch] ?? ch).replace(INVISIBLE, codePointLabel);
}

export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function renderValue(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v) => renderValue(v as HtmlValue)).join('');
  return escapeText(String(value));
}

/** Tagged template: `html\`<p>${untrusted}</p>\`` escapes `untrusted`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += renderValue(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** An attribute value built from untrusted text (no markup inside attributes). */
export function attr(text: string | number): SafeHtml {
  return new SafeHtml(escapeAttr(String(text)));
}

/** Cut very long untrusted text, saying how much was left out. */
export function truncate(text: string, max: number): { text: string; omitted: number } {
  if (text.length <= max) return { text, omitted: 0 };
  return { text: text.slice(0, max), omitted: text.length - max };
}

/** Only same-origin paths and http(s) URLs become links; anything else is not a link. */
export function safeHref(url: string): string | null {
  if (/^\/(?!\/)/.test(url)) return url;
  if (/^https?:\/\/[^\s"'<>]+$/i.test(url)) return url;
  return null;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** encodeURIComponent that cannot throw (a lone surrogate becomes U+FFFD first). */
export function encodePathSegment(text: string): string {
  return encodeURIComponent(text.replace(LONE_SURROGATE, '\ufffd'));
}
