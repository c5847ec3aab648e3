import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attr, escapeAttr, escapeText, html, raw, safeHref, truncate } from '../../../src/expose/html/html.js';

const TABLE: [name: string, input: string, expected: string][] = [
  ['plain', 'git fetch', 'git fetch'],
  ['empty', '', ''],
  ['lt gt', '<b>', '&lt;b&gt;'],
  ['script', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
  ['ampersand first', '&lt;', '&amp;lt;'],
  ['double quote', 'a"b', 'a&quot;b'],
  ['single quote', "a'b", 'a&#39;b'],
  ['backtick', 'a`b', 'a&#96;b'],
  ['attribute breakout', '" onmouseover="x', '&quot; onmouseover=&quot;x'],
  ['textarea close', '</textarea>', '&lt;/textarea&gt;'],
  ['tab and newline kept', 'a\tb\nc', 'a\tb\nc'],
  ['NUL', 'a\u0000b', 'a<span class=ctl>U+0000</span>b'],
  ['ESC', '\u001b[31m', '<span class=ctl>U+001B</span>[31m'],
  ['carriage return', 'a\rb', 'a<span class=ctl>U+000D</span>b'],
  ['DEL', '\u007f', '<span class=ctl>U+007F</span>'],
  ['C1 NEL', '\u0085', '<span class=ctl>U+0085</span>'],
  ['RLO', 'a\u202Eb', 'a<span class=ctl>U+202E</span>b'],
  ['bidi isolate', '\u2066x\u2069', '<span class=ctl>U+2066</span>x<span class=ctl>U+2069</span>'],
  ['zero width space', 'a\u200Bb', 'a<span class=ctl>U+200B</span>b'],
  ['BOM', '\uFEFF', '<span class=ctl>U+FEFF</span>'],
  ['line separator', '\u2028', '<span class=ctl>U+2028</span>'],
  ['lone high surrogate', 'x\uD800y', 'x<span class=ctl>U+D800</span>y'],
  ['lone low surrogate', 'x\uDC00y', 'x<span class=ctl>U+DC00</span>y'],
  ['valid surrogate pair kept', 'x\u{1F600}y', 'x\u{1F600}y'],
  ['non-ASCII letters kept', 'Zürich – 東京', 'Zürich – 東京'],
];

for (const [name, input, expected] of TABLE) {
  test(`escapeText: ${name}`, () => {
    assert.equal(escapeText(input), expected);
  });
}

test('escapeAttr: controls become plain text, no markup inside an attribute', () => {
  assert.equal(escapeAttr('a"\u202E<'), 'a&quot;U+202E&lt;');
});

test('the ctl marker carries no quote, so it cannot end a quoted attribute', () => {
  assert.doesNotMatch(escapeText('\u0000'), /["']/);
});

test('html tag escapes strings, numbers, arrays; keeps SafeHtml; drops null/undefined/booleans', () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const out = html`<p title="${hostile}">${hostile}${[hostile, raw('<br>')]}${42}${null}${undefined}${false}${true}</p>`
    .value;
  assert.equal(
    out,
    '<p title="&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt;&lt;img src=x onerror=alert(1)&gt;<br>42</p>',
  );
});

test('nested html is not escaped twice', () => {
  const inner = html`<b>${'&'}</b>`;
  assert.equal(html`<p>${inner}</p>`.value, '<p><b>&amp;</b></p>');
});

test('attr escapes for attribute values', () => {
  assert.equal(html`<a data-x="${attr('"x\u0000')}">`.value, '<a data-x="&quot;xU+0000">');
});

test('truncate says how much it cut', () => {
  assert.deepEqual(truncate('abcdef', 4), { text: 'abcd', omitted: 2 });
  assert.deepEqual(truncate('abc', 4), { text: 'abc', omitted: 0 });
});

test('safeHref allows same-origin paths and http(s) only', () => {
  assert.equal(safeHref('/incidents/1'), '/incidents/1');
  assert.equal(safeHref('https://www.illumos.org/issues/1667'), 'https://www.illumos.org/issues/1667');
  assert.equal(safeHref('//evil.example/x'), null);
  assert.equal(safeHref('javascript:alert(1)'), null);
  assert.equal(safeHref(' JAVASCRIPT:alert(1)'), null);
  assert.equal(safeHref('data:text/html,<script>'), null);
  assert.equal(safeHref('https://x/"onmouseover=1'), null);
});
