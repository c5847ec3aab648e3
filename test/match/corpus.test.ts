/**
 * The public corpus (test/fixtures/stacks/public): real dumps pasted in public
 * bug reports, copied character for character, each with the verdict its
 * MANIFEST.yaml states. Every dump is parsed (format detected, as
 * `forkwatch classify` does) and matched against the shipped library:
 *
 * - deadlock-after-fork: named a deadlock, never a prepare-handler hang; as
 *   pasted, or with { forkedChild: true } where the fork context is only in the
 *   report's prose (MANIFEST forked_child: true);
 * - prepare-handler: named a prepare-handler hang, or not named at all;
 * - none: never named a deadlock, as pasted nor with forkedChild; the real
 *   deadlocks among them (kind abba / self-deadlock) are only required never to
 *   get a fork name, and are not tried with forkedChild (that claim is false).
 *
 * The dump is what follows the file's header (its first blank line). A summary
 * of the pass rates and the kinds of misses is printed after the tests.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseStack } from '../../src/capture/parse/index.js';
import type { ParsedStack, Thread } from '../../src/capture/types.js';
import { loadSignatures, matchSignatures } from '../../src/match/index.js';
import type { MatchResult, Signature } from '../../src/match/types.js';

const CORPUS = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/stacks/public');
const VERDICTS = ['deadlock-after-fork', 'prepare-handler', 'none'] as const;
const KINDS = ['cond-wait', 'epoll', 'read', 'busy', 'abba', 'self-deadlock', 'other'] as const;
type Verdict = (typeof VERDICTS)[number];

interface Entry {
  file: string;
  source: string;
  project: string;
  format: string;
  said: string;
  verdict: Verdict;
  forked_child: boolean;
  kind?: (typeof KINDS)[number];
  complete: boolean;
}

/**
 * matchSignatures with the options argument being added on branch dumps-match
 * ({ forkedChild: true }: "this dump is of a forked child that never exec'd").
 * Through this cast the call type-checks before and after that change; until
 * it lands the option is ignored and the forked-child verdicts are the as-pasted ones.
 */
type MatchWithOptions = (threads: readonly Thread[], signatures: readonly Signature[], options?: { forkedChild?: boolean }) => MatchResult;
const match = matchSignatures as MatchWithOptions;

const manifest = parseYaml(readFileSync(join(CORPUS, 'MANIFEST.yaml'), 'utf8')) as { entries: Entry[] };
const entries = manifest.entries;
const library = loadSignatures();

/** The dump: the text after the header's `# key: value` lines and the blank line that ends them. */
function dumpOf(text: string): string {
  const end = text.indexOf('\n\n');
  assert.ok(end > 0, 'a header, then a blank line, then the dump');
  return text.slice(end + 2);
}

test('the MANIFEST lists every file of the corpus, each once, with a well-formed entry', () => {
  assert.ok(entries.length >= 40, `${entries.length} entries`);
  const files = readdirSync(CORPUS).filter((n) => n.endsWith('.txt')).sort();
  assert.deepEqual([...entries.map((e) => e.file)].sort(), files, 'files on disk = files in MANIFEST.yaml');
  assert.equal(new Set(entries.map((e) => e.file)).size, entries.length, 'no file listed twice');
  for (const e of entries) {
    assert.ok(existsSync(join(CORPUS, e.file)), `${e.file} exists`);
    for (const key of ['source', 'project', 'format', 'said'] as const) assert.ok(typeof e[key] === 'string' && e[key].length > 0, `${e.file}: ${key}`);
    assert.match(e.source, /^https:\/\/\S+$/, `${e.file}: source is a URL`);
    assert.ok(VERDICTS.includes(e.verdict), `${e.file}: verdict ${e.verdict}`);
    assert.equal(typeof e.forked_child, 'boolean', `${e.file}: forked_child`);
    assert.equal(typeof e.complete, 'boolean', `${e.file}: complete`);
    if (e.verdict === 'none') assert.ok(e.kind && KINDS.includes(e.kind), `${e.file}: a none entry says its kind`);
  }
});

test('the corpus has at least 25 hung forked children, and prepare-handler and non-deadlock dumps', () => {
  const count = (v: Verdict): number => entries.filter((e) => e.verdict === v).length;
  assert.ok(count('deadlock-after-fork') >= 25, `deadlock-after-fork: ${count('deadlock-after-fork')}`);
  assert.ok(count('prepare-handler') >= 3, `prepare-handler: ${count('prepare-handler')}`);
  assert.ok(count('none') >= 8, `none: ${count('none')}`);
});

test('every file starts with its # source header (the MANIFEST URL), a # title and a # format, then a blank line', () => {
  for (const e of entries) {
    const text = readFileSync(join(CORPUS, e.file), 'utf8');
    const header = text.slice(0, text.indexOf('\n\n')).split('\n');
    assert.equal(header[0], `# source: ${e.source}`, `${e.file}: first line`);
    assert.ok(header.every((l) => /^# [a-z]+: \S/.test(l)), `${e.file}: header lines are "# key: value"`);
    assert.ok(header.some((l) => l.startsWith('# title: ')) && header.some((l) => l.startsWith('# format: ')), `${e.file}: # title and # format`);
    assert.equal(header.some((l) => l.startsWith('# cut: ')), !e.complete, `${e.file}: "# cut:" exactly when complete is false`);
    assert.ok(dumpOf(text).trim().length > 0, `${e.file}: a dump follows the header`);
  }
});

type Miss = 'format not recognised' | 'vocabulary' | 'misnamed';
interface Outcome {
  entry: Entry;
  pasted: Miss | null;
  forked: Miss | null;
  stack: ParsedStack;
  named: string;
}
const outcomes: Outcome[] = [];

/** Why a result misses the entry's verdict, or null when it meets it. */
function missOf(e: Entry, stack: ParsedStack, m: MatchResult): Miss | null {
  const frames = stack.threads.reduce((n, t) => n + t.frames.length, 0);
  if (e.verdict === 'deadlock-after-fork') {
    if (m.deadlock && !/prepare handler/i.test(m.matches[0]!.title)) return null;
    if (m.deadlock) return 'misnamed';
    return stack.format === 'unknown' || frames === 0 ? 'format not recognised' : 'vocabulary';
  }
  if (e.verdict === 'prepare-handler') return m.matches.every((x) => /prepare handler/i.test(x.title)) ? null : 'misnamed';
  if (e.kind === 'abba' || e.kind === 'self-deadlock') return m.matches.some((x) => /fork|exec'd/i.test(x.title)) ? 'misnamed' : null;
  return m.deadlock ? 'misnamed' : null;
}

function describeMatch(m: MatchResult): string {
  return m.matches.length === 0 ? 'nothing' : m.matches.map((x) => `${x.signatureId} "${x.title}"`).join(', ');
}

for (const e of entries) {
  test(`${e.verdict}${e.forked_child ? ' (--forked-child)' : ''}: ${e.file}`, () => {
    const stack = parseStack(dumpOf(readFileSync(join(CORPUS, e.file), 'utf8')));
    const pastedMatch = match(stack.threads, library.signatures);
    const forkedMatch = match(stack.threads, library.signatures, { forkedChild: true });
    const pasted = missOf(e, stack, pastedMatch);
    const triesForked = !(e.kind === 'abba' || e.kind === 'self-deadlock' || e.verdict === 'prepare-handler');
    const forked = triesForked ? missOf(e, stack, forkedMatch) : pasted;
    outcomes.push({ entry: e, pasted, forked, stack, named: describeMatch(e.forked_child ? forkedMatch : pastedMatch) });
    const seen = `format ${stack.format}, ${stack.threads.length} thread(s), ${stack.threads.reduce((n, t) => n + t.frames.length, 0)} frame(s); named ${describeMatch(pastedMatch)} as pasted, ${describeMatch(forkedMatch)} with forkedChild`;
    if (e.verdict === 'deadlock-after-fork') {
      assert.equal(e.forked_child ? forked : pasted, null, `${e.file}: a hung forked child, ${e.forked_child ? 'with forkedChild' : 'as pasted'}: ${seen}`);
    } else {
      assert.equal(pasted, null, `${e.file}: ${e.verdict}${e.kind ? ` (${e.kind})` : ''}, as pasted: ${seen}`);
      assert.equal(forked, null, `${e.file}: ${e.verdict}${e.kind ? ` (${e.kind})` : ''}, with forkedChild: ${seen}`);
    }
  });
}

after(() => {
  if (outcomes.length === 0) return;
  const children = outcomes.filter((o) => o.entry.verdict === 'deadlock-after-fork');
  const pct = (n: number, d: number): string => `${n}/${d}${d ? ` (${Math.round((100 * n) / d)}%)` : ''}`;
  const lines = [
    `public corpus: ${outcomes.length} dumps`,
    `  hung forked children named a deadlock as pasted: ${pct(children.filter((o) => o.pasted === null).length, children.length)}`,
    `  hung forked children named a deadlock with forkedChild: ${pct(children.filter((o) => o.forked === null).length, children.length)}`,
    `  prepare-handler dumps never misnamed: ${pct(outcomes.filter((o) => o.entry.verdict === 'prepare-handler' && o.pasted === null).length, outcomes.filter((o) => o.entry.verdict === 'prepare-handler').length)}`,
    `  non-post-fork dumps never misnamed: ${pct(outcomes.filter((o) => o.entry.verdict === 'none' && o.pasted === null && o.forked === null).length, outcomes.filter((o) => o.entry.verdict === 'none').length)}`,
  ];
  const misses = new Map<string, string[]>();
  for (const o of outcomes) {
    const miss = o.entry.verdict === 'deadlock-after-fork' && o.entry.forked_child ? o.forked : (o.pasted ?? o.forked);
    if (miss) misses.set(miss, [...(misses.get(miss) ?? []), `${o.entry.file} (${o.stack.format}; ${o.named})`]);
  }
  for (const [miss, files] of misses) lines.push(`  ${miss}: ${files.length}`, ...files.map((f) => `    ${f}`));
  console.log(lines.join('\n'));
});
