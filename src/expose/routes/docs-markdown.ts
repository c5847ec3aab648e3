/**
 * A minimal Markdown renderer for the operator docs served at /docs (routes/docs.ts):
 * headings (with GitHub's anchor ids, so `operations.md#forkwatchhungchild`
 * works here as on a forge), paragraphs, fenced code, nested lists, tables,
 * block quotes, and inline code, bold, italic and links. Everything is
 * escaped: HTML written in the Markdown shows as text, never as markup. A
 * link becomes <a> only when it points at an anchor, another served doc, or
 * http(s); anything else (a source file of the repository) stays its text.
 * Not CommonMark: it covers what docs/ uses. Every regex is bounded.
 */
import { escapeAttr, escapeText } from '../html/html.js';

export interface RenderedDoc {
  title: string;
  html: string;
  /** Heading ids in document order (GitHub's slugs, duplicates suffixed -1, -2, …). */
  ids: string[];
}

interface Ctx {
  /** Whether a relative link target (e.g. "security.md") is a served doc. */
  isDoc: (name: string) => boolean;
  slugs: Map<string, number>;
  ids: string[];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]{0,30})\s*$/;
const HEADING = /^(#{1,6})\s+(.{0,500}?)\s*#*\s*$/;
const ITEM = /^(\s{0,12})([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*){0,50}\|?\s*$/;

export function renderMarkdown(markdown: string, isDoc: (name: string) => boolean): RenderedDoc {
  const ctx: Ctx = { isDoc, slugs: new Map(), ids: [] };
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const html = renderBlocks(lines, ctx);
  const first = lines.find((l) => HEADING.test(l));
  const title = first ? plainText(HEADING.exec(first)![2]!) : 'forkwatch docs';
  return { title, html, ids: ctx.ids };
}

function renderBlocks(lines: string[], ctx: Ctx): string {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      i = renderFence(lines, i, fence, out);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      out.push(renderHeading(heading[1]!.length, heading[2]!, ctx));
      i++;
      continue;
    }
    if (line.trimStart().startsWith('|') && TABLE_SEP.test(lines[i + 1] ?? '')) {
      i = renderTable(lines, i, out, ctx);
      continue;
    }
    if (ITEM.test(line)) {
      i = renderList(lines, i, out, ctx);
      continue;
    }
    if (line.startsWith('>')) {
      const quoted: string[] = [];
      while (i < lines.length && lines[i]!.startsWith('>')) quoted.push(lines[i++]!.replace(/^>\s?/, ''));
      out.push(`<blockquote>${renderBlocks(quoted, ctx)}</blockquote>`);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && !startsBlock(lines, i)) para.push(lines[i++]!.trim());
    if (para.length === 0) para.push(lines[i++]!.trim());
    out.push(`<p>${renderInline(para.join('\n'), ctx)}</p>`);
  }
  return out.join('\n');
}

function startsBlock(lines: string[], i: number): boolean {
  const line = lines[i]!;
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    ITEM.test(line) ||
    line.startsWith('>') ||
    (line.trimStart().startsWith('|') && TABLE_SEP.test(lines[i + 1] ?? ''))
  );
}

function renderFence(lines: string[], start: number, fence: RegExpExecArray, out: string[]): number {
  const indent = fence[1]!.length;
  const marker = fence[2]!;
  const body: string[] = [];
  let i = start + 1;
  while (i < lines.length && !(lines[i]!.trim().startsWith(marker) && lines[i]!.trim().replace(/[`~]/g, '') === '')) {
    body.push(lines[i]!.slice(Math.min(indent, lines[i]!.length - lines[i]!.trimStart().length)));
    i++;
  }
  const lang = fence[3] ? ` class="language-${escapeAttr(fence[3])}"` : '';
  out.push(`<pre><code${lang}>${escapeText(body.join('\n'))}</code></pre>`);
  return i + 1;
}

function renderHeading(level: number, text: string, ctx: Ctx): string {
  const id = uniqueSlug(githubSlug(plainText(text)), ctx);
  ctx.ids.push(id);
  return `<h${level} id="${escapeAttr(id)}"><a class="anchor" href="#${escapeAttr(id)}">${renderInline(text, ctx)}</a></h${level}>`;
}

/** GitHub's heading anchor: lower case, punctuation dropped (but - and _), spaces to dashes. */
export function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function uniqueSlug(slug: string, ctx: Ctx): string {
  const seen = ctx.slugs.get(slug);
  ctx.slugs.set(slug, (seen ?? 0) + 1);
  return seen === undefined ? slug : `${slug}-${seen}`;
}

/** A heading's text as GitHub slugs it: code spans, links and emphasis reduced to their text. */
export function plainText(text: string): string {
  return text
    .replace(/\[([^\]\n]{0,300})\]\([^()\s]{0,500}\)/g, '$1')
    .replace(/`([^`\n]{0,500})`/g, '$1')
    .replace(/\*\*|__/g, '');
}

function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let inCode = false;
  const body = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  for (let k = 0; k < body.length; k++) {
    const ch = body[k]!;
    if (ch === '\\' && body[k + 1] === '|') {
      cur += '|';
      k++;
    } else if (ch === '`') {
      inCode = !inCode;
      cur += ch;
    } else if (ch === '|' && !inCode) {
      cells.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}

function renderTable(lines: string[], start: number, out: string[], ctx: Ctx): number {
  const head = splitRow(lines[start]!);
  let i = start + 2;
  const rows: string[][] = [];
  while (i < lines.length && lines[i]!.trimStart().startsWith('|')) rows.push(splitRow(lines[i++]!));
  const th = head.map((c) => `<th>${renderInline(c, ctx)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${renderInline(c, ctx)}</td>`).join('')}</tr>`).join('\n');
  out.push(`<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`);
  return i;
}

interface ListItem {
  lines: string[];
}

/** A list and its nested lists: items by marker indent; deeper lines (continuations, sub-lists, fences) belong to the item. */
function renderList(lines: string[], start: number, out: string[], ctx: Ctx): number {
  const first = ITEM.exec(lines[start]!)!;
  const indent = first[1]!.length;
  const ordered = /\d/.test(first[2]!);
  const items: ListItem[] = [];
  let i = start;
  while (i < lines.length) {
    const line = lines[i]!;
    const m = ITEM.exec(line);
    const lineIndent = line.length - line.trimStart().length;
    if (m && m[1]!.length === indent) {
      if (/\d/.test(m[2]!) !== ordered) break;
      items.push({ lines: [m[3]!] });
    } else if (line.trim() === '') {
      const next = lines.slice(i + 1).find((l) => l.trim() !== '');
      if (
        next === undefined ||
        (next.length - next.trimStart().length <= indent && !(ITEM.exec(next)?.[1]!.length === indent))
      )
        break;
      items.at(-1)!.lines.push('');
    } else if (lineIndent > indent || (!m && !startsBlock(lines, i))) {
      items.at(-1)!.lines.push(line.slice(Math.min(lineIndent, indent + 2)));
    } else break;
    i++;
  }
  const tag = ordered ? 'ol' : 'ul';
  out.push(`<${tag}>${items.map((it) => `<li>${renderItem(it, ctx)}</li>`).join('\n')}</${tag}>`);
  return i;
}

/** An item's first paragraph inline (a tight list), anything after it as blocks. */
function renderItem(item: ListItem, ctx: Ctx): string {
  let k = 0;
  const text: string[] = [];
  while (k < item.lines.length && item.lines[k]!.trim() !== '' && (k === 0 || !startsBlock(item.lines, k)))
    text.push(item.lines[k++]!.trim());
  const rest = item.lines.slice(k);
  const restHtml = rest.some((l) => l.trim() !== '') ? renderBlocks(dedent(rest), ctx) : '';
  return renderInline(text.join('\n'), ctx) + restHtml;
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
  const n = Math.min(...indents);
  return lines.map((l) => l.slice(Math.min(n, l.length - l.trimStart().length)));
}

/** Code spans and links, scanned left to right; the text between them escaped, then bold and italic. */
const INLINE = /`([^`\n]{1,2000})`|\[((?:[^[\]`\n]|`[^`\n]{0,200}`){1,300})\]\(([^()\s]{1,500})\)/g;

function renderInline(text: string, ctx: Ctx): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    out += emphasis(escapeText(text.slice(last, m.index)));
    if (m[1] !== undefined) out += `<code>${escapeText(m[1])}</code>`;
    else out += renderLink(m[2]!, m[3]!, ctx);
    last = m.index + m[0].length;
  }
  return out + emphasis(escapeText(text.slice(last)));
}

/** On escaped text (no markup in it yet): **bold** and *italic*. */
function emphasis(escaped: string): string {
  return escaped
    .replace(/\*\*([^*]{1,500}?)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(])\*([^*\s][^*\n]{0,500}?)\*(?=[\s).,;:!?]|$)/g, '$1<em>$2</em>');
}

function renderLink(label: string, target: string, ctx: Ctx): string {
  const inner = renderInline(label, ctx);
  const href = linkHref(target, ctx);
  if (href === null) return inner;
  const external = /^https?:/i.test(href) ? ' rel="noopener noreferrer"' : '';
  return `<a href="${escapeAttr(href)}"${external}>${inner}</a>`;
}

function linkHref(target: string, ctx: Ctx): string | null {
  if (/^#[\p{L}\p{N}_-]{0,200}$/u.test(target)) return target;
  if (/^https?:\/\/[^\s"'<>]{1,500}$/i.test(target)) return target;
  const m = /^([A-Za-z0-9][A-Za-z0-9_-]{0,100}\.md)(#[\p{L}\p{N}_-]{0,200})?$/u.exec(target);
  if (m && ctx.isDoc(m[1]!)) return target;
  return null;
}
