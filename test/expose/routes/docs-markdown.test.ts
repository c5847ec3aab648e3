/** The /docs Markdown renderer: GitHub's anchor ids, the blocks docs/ uses, and nothing from the Markdown ever becoming markup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { githubSlug, renderMarkdown } from '../../../src/expose/routes/docs-markdown.js';
import { cpuMs } from '../../helpers/cpu-time.js';

const noDocs = () => false;
const render = (md: string, isDoc: (n: string) => boolean = noDocs) => renderMarkdown(md, isDoc);

test('heading ids are GitHub slugs of the heading text, duplicates suffixed', () => {
  for (const [text, slug] of [
    ['ForkwatchHungChild', 'forkwatchhungchild'],
    ['Readiness (Type=notify)', 'readiness-typenotify'],
    ['Secrets forkwatch holds', 'secrets-forkwatch-holds'],
    ['State is private, whatever the umask', 'state-is-private-whatever-the-umask'],
    ['snake_case and-dash', 'snake_case-and-dash'],
  ])
    assert.equal(githubSlug(text!), slug);
  const r = render('# A\n## Metric names (`src/expose/metrics.ts` implements them)\n## A\n### A\n');
  assert.deepEqual(r.ids, ['a', 'metric-names-srcexposemetricsts-implements-them', 'a-1', 'a-2']);
  assert.match(
    r.html,
    /<h2 id="metric-names-srcexposemetricsts-implements-them"><a class="anchor" href="#metric-names-srcexposemetricsts-implements-them">Metric names \(<code>src\/expose\/metrics.ts<\/code> implements them\)<\/a><\/h2>/,
  );
  assert.equal(r.title, 'A');
});

test('HTML in the Markdown is text: tags, attributes and entities are escaped everywhere', () => {
  const md = [
    '# <script>alert(1)</script>',
    '<img src=x onerror=alert(1)> and **<b>bold</b>**',
    '',
    '| <i>a</i> | `<b>` |',
    '|---|---|',
    '| <svg onload=x> | &amp; |',
    '',
    '- <iframe src=//evil>',
    '',
    '```html',
    '<script>evil()</script>',
    '```',
    '[<u>x</u>](https://example.org/"onmouseover="x)',
  ].join('\n');
  const { html } = render(md);
  assert.doesNotMatch(html, /<(script|img|svg|iframe|i|b|u)\b/i);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(html, /<strong>&lt;b&gt;bold&lt;\/b&gt;<\/strong>/);
  assert.match(html, /<td>&amp;amp;<\/td>/);
  assert.doesNotMatch(html, /href="[^"]*"[^>]*onmouseover/);
});

test('links: anchors, served docs and http(s) become links; other targets (javascript:, repository files) stay text', () => {
  const isDoc = (n: string) => n === 'security.md';
  const { html } = render(
    '[a](#x) [b](security.md#secrets) [c](https://example.org/p) [d](javascript:alert`1`) [d2](javascript:alert(1)) [e](../src/util/redact.ts) [f](missing.md) [g](data:text/html,x) [`h`](security.md)',
    isDoc,
  );
  assert.match(html, /<a href="#x">a<\/a>/);
  assert.match(html, /<a href="security.md#secrets">b<\/a>/);
  assert.match(html, /<a href="https:\/\/example.org\/p" rel="noopener noreferrer">c<\/a>/);
  assert.match(html, /<a href="security.md"><code>h<\/code><\/a>/);
  for (const t of ['d', 'd2', 'e', 'f', 'g']) assert.doesNotMatch(html, new RegExp(`>${t}</a>`), t);
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(hrefs, ['#x', 'security.md#secrets', 'https://example.org/p', 'security.md']);
});

test('blocks: paragraphs, fenced code kept verbatim, nested and ordered lists, tables with | inside code, quotes', () => {
  const md = [
    'One line',
    'and the next.',
    '',
    '```sh',
    '  indented # not a heading',
    'a | b',
    '```',
    '',
    '1. first',
    '   - nested *em*',
    '   - nested two',
    '2. second',
    '   continued',
    '',
    '| a | b |',
    '|---|:--:|',
    '| `x|y` | 2 |',
    '',
    '> quoted',
  ].join('\n');
  const { html } = render(md);
  assert.match(html, /<p>One line\nand the next.<\/p>/);
  assert.match(html, /<pre><code class="language-sh"> {2}indented # not a heading\na \| b<\/code><\/pre>/);
  assert.match(
    html,
    /<ol><li>first<ul><li>nested <em>em<\/em><\/li>\n<li>nested two<\/li><\/ul><\/li>\n<li>second\ncontinued<\/li><\/ol>/,
  );
  assert.match(
    html,
    /<table><thead><tr><th>a<\/th><th>b<\/th><\/tr><\/thead><tbody>\n<tr><td><code>x\|y<\/code><\/td><td>2<\/td><\/tr>/,
  );
  assert.match(html, /<blockquote><p>quoted<\/p><\/blockquote>/);
  assert.doesNotMatch(html, /<h\d/);
});

test('pathological input renders in linear time (no regex backtracks on long runs)', () => {
  const nasty = [
    '['.repeat(50_000),
    '`'.repeat(50_000),
    '*'.repeat(50_000),
    '| a '.repeat(10_000),
    '#'.repeat(50_000) + ' x',
    '-'.repeat(50_000),
  ].join('\n\n');
  const { value: r, ms } = cpuMs(() => render(nasty));
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms of CPU`);
  assert.ok(r.html.length > 0);
});
