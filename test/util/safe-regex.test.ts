import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSafeRegex, compileSafeRegex, UnsafeRegexError } from '../../src/util/safe-regex.js';
import { cpuMs } from '../helpers/cpu-time.js';
import { CATASTROPHIC } from '../security/regex-adversarial.js';

/** Of the shared catastrophic patterns (regex-adversarial.ts), the ones that do match `aaaa…a!` (20 a's, or the empty string before the end). */
const MATCH_ADVERSARIAL = new Set(['(.*a){20}', '(a|a?)+$', '(a|ab|aab)*$']);

test('catastrophic patterns run in linear time on adversarial input (a few ms at 4 KiB)', () => {
  for (const p of CATASTROPHIC) {
    const re = compileSafeRegex(p);
    re.test('a'.repeat(64)); // warm up the engine for this pattern
    const { value: matched, ms } = cpuMs(() => re.test(`${'a'.repeat(4000)}!`));
    assert.equal(matched, MATCH_ADVERSARIAL.has(p), p);
    assert.ok(ms < 100, `${p}: ${ms.toFixed(1)} ms of CPU`);
  }
});

test('whole-input and search modes, case-insensitive', () => {
  assert.equal(compileSafeRegex('lll_lock_wait|futex_wait', { whole: true }).test('futex_wait'), true);
  assert.equal(compileSafeRegex('lll_lock_wait|futex_wait', { whole: true }).test('futex_wait_x'), false);
  assert.equal(compileSafeRegex('jenkins\\.war').test('java -jar /usr/share/jenkins/jenkins.war'), true);
  assert.equal(compileSafeRegex('JENKINS', { ignoreCase: true }).test('jenkins'), true);
});

test('input past maxInput is not looked at', () => {
  const re = compileSafeRegex('needle', { maxInput: 10 });
  assert.equal(re.test('0123needle'), true);
  assert.equal(re.test(`${'x'.repeat(20)}needle`), false);
});

test('replaceAll covers the whole input, with groups', () => {
  const re = compileSafeRegex('(-secret\\s+)[0-9a-f]+', { maxInput: 8 });
  assert.equal(
    re.replaceAll(`java -jar agent.jar -secret ${'ab'.repeat(32)} -workDir x`, '$1<redacted>'),
    'java -jar agent.jar -secret <redacted> -workDir x',
  );
});

test('backreferences and lookarounds are refused with RE2 reason', () => {
  assert.throws(
    () => compileSafeRegex('(a)\\1'),
    (err: unknown) => err instanceof UnsafeRegexError && /escape/.test(err.message),
  );
  assert.match(checkSafeRegex('(?=a)b') ?? '', /Perl syntax|\(\?=/);
  assert.match(checkSafeRegex('(') ?? '', /missing|\(/);
  assert.equal(checkSafeRegex('a.*b'), null);
});
