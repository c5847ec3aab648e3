/**
 * A harness's constant per-line prefix (timestamp, `[pid N] `, `stderr: `) is
 * taken off before detection and reading: every fixture reads the same with
 * each kind of prefix (and two stacked) as without; a prefix on a few lines
 * only is left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/native-build.js';
import { detectStackFormat, parseStack, STACK_FORMATS } from '../../../src/capture/parse/index.js';
import { stripHarnessPrefix } from '../../../src/capture/parse/prefix.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/stacks');

const PREFIXES: [string, (n: number) => string][] = [
  ['ISO timestamp', (n) => `2026-12-06T03:04:${String(n % 60).padStart(2, '0')}.${String(n).padStart(3, '0')}Z `],
  ['bracketed time of day', (n) => `[03:04:${String(n % 60).padStart(2, '0')}] `],
  ['[pid N]', () => '[pid 4242] '],
  ['stderr:', () => 'stderr: '],
  ['seconds since start', (n) => `[ ${n}.000123] `],
  ['timestamp then [pid N]', (n) => `2026-12-06 03:04:05,${String(n % 1000).padStart(3, '0')} [pid 17] `],
  [
    'Android logcat (threadtime)',
    (n) => `09-02 16:19:12.${String(n % 1000).padStart(3, '0')} 20722 20722 F DEBUG   : `,
  ],
  ['Android logcat (brief)', () => 'F/DEBUG   ( 2143): '],
  ["logcat then ART's log prefix", () => '04-01 17:01:56.668   839   839 F zygote64: runtime.cc:708] '],
  ['glog', (n) => `F1206 14:06:13.${String(n).padStart(6, '0')} 12345 logging.cc:88] `],
];

function prefixed(text: string, prefix: (n: number) => string): string {
  return text
    .split('\n')
    .map((l, i) => `${prefix(i)}${l}`)
    .join('\n');
}

for (const format of STACK_FORMATS) {
  const files = readdirSync(join(FIXTURES, format)).filter((n) => n.endsWith('.txt'));
  for (const [kind, prefix] of PREFIXES) {
    test(`harness prefix (${kind}): every ${format} fixture reads the same behind it`, () => {
      for (const file of files) {
        const text = readFileSync(join(FIXTURES, format, file), 'utf8');
        const plain = parseStack(text);
        const withPrefix = prefixed(text, prefix);
        if (format !== 'lenient') assert.equal(detectStackFormat(withPrefix), format, file);
        const parsed = parseStack(withPrefix);
        assert.equal(parsed.format, plain.format, file);
        assert.deepEqual(parsed.threads, plain.threads, file);
      }
    });
  }
}

test('harness prefix: a timestamp on a few lines only is not a harness prefix', () => {
  const lines = ['Thread 1 (LWP 5):', '#0  0x1 in f ()', '12:00:01 note: a', '#1  0x2 in main ()'];
  assert.deepEqual(stripHarnessPrefix(lines), lines);
});

test('harness prefix: lines with no prefix are the same array', () => {
  const lines = ['#0  0x1 in f ()', '#1  0x2 in g ()', '#2  0x3 in main ()'];
  assert.equal(stripHarnessPrefix(lines), lines);
});

test('harness prefix: a prefix inside quote marks or indentation is taken off, the indentation kept', () => {
  assert.deepEqual(stripHarnessPrefix(['  [pid 3] a', '  [pid 3] b', '  [pid 3] c']), ['  a', '  b', '  c']);
});
