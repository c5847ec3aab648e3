/**
 * Text copied from a web page, a mail archive's source or a chat reads as the
 * tool printed it: every fixture of every format reads the same with its
 * spaces as no-break spaces (a rendered `&nbsp;`), with `<`, `>`, `&` and
 * quotes as HTML entities, and with a zero-width space or a byte-order mark
 * in it; gdb frames behind a markdown list marker read the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/native-build.js';
import { detectStackFormat, parseStack, STACK_FORMATS } from '../../../src/capture/parse/index.js';
import { fromWebText, undoubleSpace } from '../../../src/capture/parse/web-text.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/stacks');

const AS_ON_THE_WEB: [string, (text: string) => string][] = [
  ['every space a no-break space', (t) => t.replace(/ /g, '\u00a0')],
  ['runs of spaces as "&nbsp; " rendered', (t) => t.replace(/ {2}/g, '\u00a0 ')],
  ['narrow and ideographic spaces', (t) => t.replace(/ in /g, '\u202fin\u3000')],
  [
    'HTML entities (page source)',
    (t) => t.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!),
  ],
  ['a byte-order mark and zero-width spaces', (t) => `\ufeff${t.replace(/\n/g, '\u200b\n')}`],
  ['double-spaced (a blank line after every line)', (t) => t.replace(/\r?\n/g, '\n\n')],
  ["an issue importer's empty span after each # before a number", (t) => t.replace(/#(?=\d)/g, '#<span></span>')],
  ["lines joined by HTML line breaks (a page's source)", (t) => t.replace(/\r?\n/g, '<br>')],
  ['each line ending in an HTML line break', (t) => t.replace(/\r?\n/g, '<br />\n')],
];

const changed = new Map<string, number>();

for (const format of STACK_FORMATS) {
  const files = readdirSync(join(FIXTURES, format)).filter((n) => n.endsWith('.txt'));
  for (const [kind, web] of AS_ON_THE_WEB) {
    test(`web text (${kind}): every ${format} fixture reads the same`, () => {
      assert.ok(files.length > 0, format);
      for (const file of files) {
        const text = readFileSync(join(FIXTURES, format, file), 'utf8');
        const plain = parseStack(text);
        const pasted = web(text);
        if (pasted === text) continue;
        changed.set(kind, (changed.get(kind) ?? 0) + 1);
        if (format !== 'lenient') assert.equal(detectStackFormat(pasted), format, file);
        const parsed = parseStack(pasted);
        assert.equal(parsed.format, plain.format, file);
        assert.deepEqual(parsed.threads, plain.threads, file);
      }
    });
  }
}

test('web text: each transformation changed at least 20 fixtures (the checks above are real)', () => {
  for (const [kind] of AS_ON_THE_WEB) assert.ok((changed.get(kind) ?? 0) >= 20, `${kind}: ${changed.get(kind) ?? 0}`);
});

test('web text: gdb frames behind markdown list markers (-, *, +, •) read the same', () => {
  const files = readdirSync(join(FIXTURES, 'gdb')).filter((n) => n.endsWith('.txt'));
  for (const marker of ['- ', '* ', '+ ', '\u2022 ']) {
    for (const file of files) {
      const text = readFileSync(join(FIXTURES, 'gdb', file), 'utf8');
      const listed = text.replace(/^([ \t>]*)#(?=\d)/gm, `$1${marker}#`);
      assert.notEqual(listed, text, file);
      assert.deepEqual(parseStack(listed).threads, parseStack(text).threads, `${file} behind "${marker}"`);
    }
  }
});

test("web text: jstack's `- locked <...>` and lldb's `* thread #1` keep their marks", () => {
  const jstack = [
    '"main" #1 prio=5 os_prio=0 cpu=1.00ms elapsed=2.00s tid=0x00007f00 nid=0x10 waiting for monitor entry  [0x00007f01]',
    '   java.lang.Thread.State: BLOCKED (on object monitor)',
    '\tat Foo.bar(Foo.java:10)',
    '\t- waiting to lock <0x000000076b5c3a70> (a java.lang.Object)',
    '\t- locked <0x000000076b5c3a80> (a java.lang.Object)',
    '',
  ].join('\n');
  assert.deepEqual(parseStack(jstack.replace(/ /g, '\u00a0')).threads, parseStack(jstack).threads);
  const lldb =
    "* thread #1, name = 'a.out', stop reason = signal SIGSTOP\n  * frame #0: 0x00007f libc.so.6`__lll_lock_wait + 30\n";
  const parsed = parseStack(lldb);
  assert.equal(parsed.format, 'lldb');
  assert.equal(parsed.threads[0]!.frames[0]!.fn, '__lll_lock_wait');
});

test('web text: entities are decoded once; text without any is the same array', () => {
  assert.deepEqual(fromWebText(['std::lock_guard&lt;std::mutex&gt;::lock_guard', '&amp;lt; stays &amp;lt;']), [
    'std::lock_guard<std::mutex>::lock_guard',
    '&lt; stays &lt;',
  ]);
  const plain = ['#0  0x00007f in __lll_lock_wait () from /lib/libc.so.6', '#1  pthread_mutex_lock (m=&x) at a.c:1'];
  assert.equal(fromWebText(plain), plain);
  assert.deepEqual(fromWebText(['a\u00a0b\u2009c\u200bd\ufeff']), ['a b cd']);
});

test("web text: a double-spaced region loses its spacing, the tool's own blank lines and normal text stay", () => {
  const normal = ['Thread 1 (LWP 7):', '#0  __lll_lock_wait ()', '', 'Thread 2 (LWP 8):', '#0  epoll_wait ()'];
  assert.equal(undoubleSpace(normal), normal, 'tool output: the same array');
  const spaced = [
    'I ran py-spy:',
    'on the child',
    '',
    'Thread 9 (idle): "w"',
    '',
    '    f (a.py:1)',
    '',
    '',
    '',
    'Thread 10 (idle): "x"',
    '',
    '    g (b.py:2)',
    '',
  ];
  assert.deepEqual(undoubleSpace(spaced), [
    'I ran py-spy:',
    'on the child',
    '',
    'Thread 9 (idle): "w"',
    '    f (a.py:1)',
    '',
    'Thread 10 (idle): "x"',
    '    g (b.py:2)',
    '',
  ]);
  const three = ['a', '', 'b', '', 'c'];
  assert.equal(undoubleSpace(three), three, 'fewer than four lone lines are left alone');
  // the lenient reader ends a thread at a blank line: double-spaced, four frames read as one thread, not four
  const parsed = parseStack(
    ['futex_wait+0x1c', '__lll_lock_wait+0x2d', 'pthread_mutex_lock+0x12', 'child_handler+0x40'].join('\n\n'),
  );
  assert.equal(parsed.format, 'lenient');
  assert.deepEqual(
    parsed.threads.map((t) => t.frames.length),
    [4],
  );
});

/** The text with a markdown fence or HTML code tags glued to its first and last non-empty lines. */
function glued(text: string, open: string, close: string): string {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  let last = lines.length - 1;
  while (last > first && lines[last]!.trim() === '') last--;
  lines[first] = open + lines[first]!;
  lines[last] = lines[last]!.trimEnd() + close;
  return lines.join('\n');
}

test("web text: a code fence, <pre><code> or Jira's {code} glued to the first and last lines is taken off; every fixture reads the same", () => {
  const key = (text: string): string => {
    const p = parseStack(text);
    return `${p.format}: ${p.threads.map((t) => t.frames.map((f) => `${f.normalized}@${f.source ?? ''}`).join(' < ')).join(' | ')}`;
  };
  let checked = 0;
  for (const format of STACK_FORMATS.filter((f) => f !== 'lenient')) {
    for (const file of readdirSync(join(FIXTURES, format)).filter((n) => n.endsWith('.txt'))) {
      const text = readFileSync(join(FIXTURES, format, file), 'utf8');
      const expected = key(text);
      for (const [open, close] of [
        ['```', '```'],
        ['~~~', '~~~'],
        ['<pre><code>', '</code></pre>'],
        ['<pre>', '</pre>'],
        ['{code}', '{code}'],
        ['{code:none}', '{code}'],
        ['{noformat}', '{noformat}'],
      ] as const) {
        assert.equal(key(glued(text, open, close)), expected, `${format}/${file} in ${open}…${close}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 200, `${checked} pastes`);
  // the fence line with its language stays a fence line; a lone word after a fence is no frame
  assert.equal(
    parseStack('```gdb\n#0  0x00007f in __lll_lock_wait () from /lib64/libc.so.6\n```').threads[0]!.frames.length,
    1,
  );
});
