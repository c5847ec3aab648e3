/**
 * Fuzz-style tests: random and mutated stack text through every parser,
 * detection and the matcher. They must never throw, never hang, and always
 * return a well-formed ParsedStack. Seeded (fast-check) so failures replay;
 * bounded in runs and in time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { REPO_ROOT } from '../../helpers/native-build.js';
import { detectStackFormat, parseStack, STACK_FORMATS, MAX_INPUT_CHARS } from '../../../src/capture/parse/index.js';
import type { ParsedStack } from '../../../src/capture/types.js';
import { loadSignatures, matchSignatures } from '../../../src/match/index.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/stacks');
/** Every fixture: one directory per format, and the public corpus of real pasted dumps. */
const SAMPLES = [...STACK_FORMATS, 'public'].flatMap((f) =>
  readdirSync(join(FIXTURES, f))
    .filter((n) => n.endsWith('.txt'))
    .map((n) => readFileSync(join(FIXTURES, f, n), 'utf8')),
);
const SIGNATURES = loadSignatures().signatures;
const SEED = 20240605;
/** Per call; generous for a shared 2-core machine, far below a hang. */
const MAX_MS_PER_CALL = 250;

function assertWellFormed(r: ParsedStack): void {
  assert.ok(Array.isArray(r.threads) && Array.isArray(r.warnings) && typeof r.raw === 'string');
  for (const t of r.threads) {
    for (const f of t.frames) {
      assert.equal(f.fn === null, f.normalized === null, 'normalized is null exactly when fn is');
      assert.ok(f.address === null || /^0x[0-9a-f]{1,16}$/.test(f.address), `address ${f.address}`);
      assert.ok(f.offset === null || Number.isFinite(f.offset));
    }
  }
}

/** Every parser, detection and the matcher on one input, each within the time bound (unless `timed` is false: the warm-up). */
function runEverything(text: string, timed = true): void {
  // CPU time, not wall time: on a shared 2-core machine waiting for a core is not parser cost.
  const t0 = cpuMs();
  const detected = detectStackFormat(text);
  assert.ok(detected === 'unknown' || STACK_FORMATS.includes(detected));
  for (const format of [undefined, ...STACK_FORMATS]) {
    const started = cpuMs();
    const r = parseStack(text, format);
    assertWellFormed(r);
    const m = matchSignatures(r.threads, SIGNATURES);
    assert.equal(typeof m.fingerprint, 'string');
    const took = cpuMs() - started;
    assert.ok(!timed || took < MAX_MS_PER_CALL, `parse+match as ${format ?? 'auto'} took ${took.toFixed(1)} ms of CPU`);
  }
  assert.ok(!timed || cpuMs() - t0 < MAX_MS_PER_CALL * (1 + STACK_FORMATS.length));
}

/** This process's CPU time so far (user + system), in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// Compile every signature's regexes and warm the readers once, before anything is timed
// (the first match compiles the whole library: ~200 ms of CPU on a loaded 2-core machine).
runEverything('#0  0x00007f in __lll_lock_wait () from /lib/libc.so.6\n#1  0x00007f in fork ()\n', false);

const stackishChar = fc.constantFrom(
  ...'#0x1fa `()+-:@._?*[]<>"\n\n\n  \t#0  0x7f in ?? () from at lwp# TID PID\u0000\u00ff'.split(''),
);

test('fuzz: random unicode, random bytes and stack-ish alphabets never throw', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 2000 }),
        fc.string({ unit: 'grapheme', maxLength: 500 }),
        fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString('utf8')),
        fc.array(stackishChar, { maxLength: 3000 }).map((a) => a.join('')),
      ),
      (text) => runEverything(text),
    ),
    { seed: SEED, numRuns: 300 },
  );
});

/** Mutations of real dumps: cut, drop/duplicate/swap lines, splice random text, flip characters. */
const mutated = fc
  .tuple(
    fc.constantFrom(...SAMPLES),
    fc.array(fc.tuple(fc.nat(6), fc.nat(), fc.nat(), fc.string({ maxLength: 40 })), { minLength: 1, maxLength: 6 }),
  )
  .map(([sample, ops]) => {
    let text = sample;
    for (const [op, a, b, s] of ops) {
      const lines = text.split('\n');
      const i = a % Math.max(1, lines.length);
      const j = b % Math.max(1, lines.length);
      const pos = a % Math.max(1, text.length);
      if (op === 0) text = text.slice(0, pos);
      else if (op === 1) text = lines.filter((_, k) => k !== i).join('\n');
      else if (op === 2) text = [...lines.slice(0, i), lines[i] ?? '', ...lines.slice(i)].join('\n');
      else if (op === 3) {
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        text = lines.join('\n');
      } else if (op === 4) text = text.slice(0, pos) + s + text.slice(pos);
      else if (op === 5) text = text.slice(0, pos) + String.fromCharCode(b % 256) + text.slice(pos + 1);
      else text = lines.map((l, k) => (k === i ? l.repeat(1 + (b % 50)) : l)).join('\n');
    }
    return text;
  });

test('fuzz: mutated real and synthetic dumps never throw', () => {
  fc.assert(
    fc.property(mutated, (text) => runEverything(text)),
    { seed: SEED, numRuns: 400 },
  );
});

test('adversarial inputs stay bounded: long lines, many lines, huge input, deep and wide stacks', () => {
  const frame = '#0  0x00007fee4559c12b in pthread_mutex_lock () from /lib/x86_64-linux-gnu/libc.so.6\n';
  const cases: [string, string, number][] = [
    ['one 1 MiB line of (', '('.repeat(1 << 20), 1500],
    ['one 1 MiB line of backticks and hex', '`ab12'.repeat(200_000), 1500],
    ['nested angle brackets', `#0  0x1 in f${'<'.repeat(100_000)} (x) at a.c:1\n`, 1500],
    ['200k lines of frames', frame.repeat(200_000), 6000],
    ['6 MiB over the cap', 'x'.repeat(MAX_INPUT_CHARS + 2 * 1024 * 1024), 3000],
    ['20k threads', 'TID 1:\n#0  0x1 foo\n'.repeat(20_000), 4000],
    ['5k frames in one thread', 'TID 1:\n' + '#0  0x1 foo\n'.repeat(5000), 2000],
    ['mdb args without end', `a\`b+0x1(${'1, '.repeat(100_000)}`, 1500],
  ];
  // Budgets were set for auto + 4 formats: the per-call budget stays, the number of calls grew.
  // CPU time, not wall time: on a loaded machine (the whole suite in parallel) waiting for a core is not the parser's cost.
  const calls = 1 + STACK_FORMATS.length;
  for (const [name, text, baseMs] of cases) {
    const budgetMs = (baseMs * calls) / 5;
    const started = cpuMs();
    for (const format of [undefined, ...STACK_FORMATS]) {
      const r = parseStack(text, format);
      assertWellFormed(r);
      matchSignatures(r.threads, SIGNATURES);
    }
    const took = cpuMs() - started;
    assert.ok(took < budgetMs, `${name}: ${took.toFixed(0)} ms CPU (budget ${budgetMs} ms for all formats)`);
    if (process.env.FORKWATCH_BENCH_LOG)
      process.stdout.write(`# ${name}: ${took.toFixed(0)} ms for auto + ${STACK_FORMATS.length} formats\n`);
  }
  assert.ok(
    parseStack(frame.repeat(200_000)).warnings.some((w) => w.includes('characters')),
    'the size cap is reported',
  );
  assert.ok(
    parseStack('#0  0x1 foo\n'.repeat(200_000)).warnings.some((w) => w.includes('lines')),
    'the line cap is reported',
  );
  assert.ok(parseStack('x'.repeat(MAX_INPUT_CHARS + 1)).raw.length <= MAX_INPUT_CHARS);
  const many = parseStack('TID 1:\n' + '#0  0x1 foo\n'.repeat(5000));
  assert.equal(many.threads[0]!.frames.length, 2048);
  assert.ok(many.warnings.some((w) => w.includes('frames in one thread')));
});
