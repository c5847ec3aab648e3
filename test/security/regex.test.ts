/**
 * Catastrophic regexes (exponential or polynomial on a backtracking engine) as
 * target selectors and as signature frame patterns: accepted, because they
 * run on RE2 (src/util/safe-regex.ts), and matched in milliseconds on
 * adversarial input; what RE2 cannot run in linear time (backreferences,
 * lookarounds) is refused at load, exit 78, naming the key. The real `scan`
 * beside a process started as nobody with a 4,000-`a` command line, and the
 * real `classify` on a stack of 4,000-`a` frames, finish within a budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/load.js';
import { ConfigError, EX_CONFIG } from '../../src/config/errors.js';
import { formatLoadError, parseSignatureText } from '../../src/match/load.js';
import { matchSignatures } from '../../src/match/matcher.js';
import { parseStack } from '../../src/capture/parse/index.js';
import { runCli, tempDir } from './config-reads-cli.js';
import { CATASTROPHIC, yamlQuote } from './regex-adversarial.js';
import { cpuMs } from '../helpers/cpu-time.js';

const UNSUPPORTED = [
  ['(a)\\1', /invalid escape|\\1/],
  ['(?=a)a', /Perl|\(\?=/],
  ['(?!a)b', /Perl|\(\?!/],
  ['(?<=a)b', /Perl|\(\?</],
] as const;
const ADVERSARIAL = [
  `${'a'.repeat(4000)}!`,
  `${'a'.repeat(36)}!`,
  `${'ab'.repeat(2000)}!`,
  `${'a '.repeat(2000)}!`,
  `${'a,'.repeat(2000)}!`,
];
/** Per pattern and input. Measured here idle: < 1 ms, except `(a|a?)+$` on 4,000 a (a match: ~16 ms, 60 ms on a loaded box). A backtracking engine needs hours for 36 a and `(a+)+$`. */
const MATCH_BUDGET_MS = 250;

test('catastrophic target selectors load and match adversarial command lines in milliseconds', (t) => {
  const targets = CATASTROPHIC.map((p, i) => ({ name: `t${i}`, cmdline: p, exe: p, user: p }));
  const config = resolveConfig({ targets }, 'test');
  let worst = 0;
  for (const t of config.targets) {
    for (const re of [t.cmdline!, t.exe!, t.user!]) {
      re.test('a'.repeat(64)); // warm the engine up for this pattern
      for (const input of ADVERSARIAL) {
        worst = Math.max(worst, cpuMs(() => re.test(input)).ms);
      }
    }
  }
  t.diagnostic(`slowest selector test: ${worst.toFixed(2)} ms`);
  assert.ok(worst < MATCH_BUDGET_MS, `slowest selector test ${worst.toFixed(1)} ms`);
});

test('backreferences and lookarounds in a target are refused at load, naming the key (78 from check-config)', () => {
  for (const [pattern, why] of UNSUPPORTED) {
    for (const key of ['cmdline', 'exe', 'user'] as const) {
      assert.throws(
        () => resolveConfig({ targets: [{ name: 'x', [key]: pattern }] }, 'test'),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(err.key, `targets[0].${key}`);
          assert.match(err.message, /a linear-time regular expression, RE2 syntax/);
          assert.match(err.message, why);
          return true;
        },
      );
    }
  }
  const r = runCli(['check-config'], {
    env: {
      FORKWATCH_TARGETS: JSON.stringify([
        { name: 'ok', cmdline: 'x' },
        { name: 'bad', cmdline: '(a)\\1' },
      ]),
    },
  });
  assert.equal(r.status, EX_CONFIG, r.stderr);
  assert.match(r.stderr, /targets\[1\]\.cmdline = "\(a\)\\\\1": a linear-time regular expression/);
});

function signatureYaml(frames: string[]): string {
  const entries = frames.map(
    (fn, i) =>
      `  - id: evil-${i}\n    title: evil ${i}\n    severity: critical\n    description: a catastrophic frame pattern\n    rules:\n      - frames:\n          - fn: ${yamlQuote(fn)}\n`,
  );
  // Proof that the adversarial frames reach the matcher: this one matches them.
  entries.push(
    `  - id: proof\n    title: proof\n    severity: critical\n    description: matches the adversarial frame\n    rules:\n      - frames:\n          - fn: 'a+!?'\n`,
  );
  return `version: "t1"\nsignatures:\n${entries.join('')}`;
}

function adversarialStack(): string {
  const frames = [`${'a'.repeat(4000)}!`, `${'a'.repeat(36)}!`, `${'ab'.repeat(200)}!`, `${'a,'.repeat(200)}!`];
  return `PID 4242 - process\nTID 4242:\n${frames.map((f, i) => `#${i}  0x00007f000000${String(1000 + i)} ${f}`).join('\n')}\n`;
}

test('catastrophic signature frames load and match an adversarial stack in milliseconds', (t) => {
  const { signatures, errors } = parseSignatureText(signatureYaml(CATASTROPHIC), 'evil.yaml');
  assert.deepEqual(errors.map(formatLoadError), []);
  const stack = parseStack(adversarialStack());
  assert.equal(stack.threads[0]?.frames.length, 4);
  matchSignatures(stack.threads, signatures); // compile once
  const { value: result, ms } = cpuMs(() => matchSignatures(stack.threads, signatures));
  t.diagnostic(`${signatures.length} signatures on the adversarial stack: ${ms.toFixed(2)} ms`);
  assert.ok(ms < MATCH_BUDGET_MS * 2, `matching ${signatures.length} signatures took ${ms.toFixed(1)} ms`);
  assert.ok(
    result.matches.some((m) => m.signatureId === 'proof'),
    'the adversarial frames reached the matcher',
  );
});

test('a backreference or lookaround in a signature frame is refused, naming the field; classify exits 78', (t) => {
  for (const [pattern, why] of UNSUPPORTED) {
    const { errors } = parseSignatureText(signatureYaml([pattern]), 'bad.yaml');
    assert.equal(errors.length, 1, pattern);
    assert.match(
      formatLoadError(errors[0]!),
      /bad\.yaml: entry 0 \(id "evil-0"\): rules\[0\]\.frames\[0\]\.fn: invalid regex/,
    );
    assert.match(errors[0]!.message, why);
  }
  const file = join(tempDir(t), 'bad.yaml');
  writeFileSync(file, signatureYaml(['(a)\\1']));
  const r = runCli(['classify', '--no-shipped', '--signatures', file, '-'], { input: adversarialStack() });
  assert.equal(r.status, EX_CONFIG, r.stderr);
  assert.match(r.stderr, /rules\[0\]\.frames\[0\]\.fn: invalid regex/);
});

test('forkwatch classify with fn: (a+)+b and friends on a stack of 4,000-a frames answers within the budget', (t) => {
  const file = join(tempDir(t), 'evil.yaml');
  writeFileSync(file, signatureYaml(CATASTROPHIC));
  const r = runCli(['classify', '--json', '--signatures', file, '-'], { input: adversarialStack() });
  t.diagnostic(`classify: exit ${r.status} in ${Math.round(r.ms)} ms`);
  assert.equal(r.status, 2, r.stderr);
  const out = JSON.parse(r.stdout) as { match: { matches: { signatureId: string }[] } };
  assert.ok(
    out.match.matches.some((m) => m.signatureId === 'proof'),
    'the adversarial frames were matched against the library',
  );
});
