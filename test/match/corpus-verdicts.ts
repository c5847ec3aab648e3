/**
 * Shared by the corpus tests (corpus.test.ts: the public tuning corpus;
 * holdout.test.ts: the held-out validation set): reading a corpus directory
 * (MANIFEST.yaml + one dump per file), the structural checks of both, and the
 * verdict of `forkwatch classify` on each dump, as pasted and with
 * { forkedChild: true }, against the verdict its MANIFEST states.
 *
 * Not a test file itself (no `.test.ts`): the runner only picks those up.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseStack } from '../../src/capture/parse/index.js';
import type { ParsedStack, Thread } from '../../src/capture/types.js';
import { matchSignatures } from '../../src/match/index.js';
import type { MatchResult, Signature } from '../../src/match/types.js';

export const VERDICTS = ['deadlock-after-fork', 'prepare-handler', 'none'] as const;
export const KINDS = ['cond-wait', 'epoll', 'read', 'busy', 'abba', 'self-deadlock', 'other'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface Entry {
  file: string;
  source: string;
  project: string;
  format: string;
  said: string;
  verdict: Verdict;
  forked_child: boolean;
  kind?: (typeof KINDS)[number];
  complete: boolean;
  /**
   * Why this dump cannot be judged as pasted (e.g. the reporter cut the lock
   * frames out): the test asserts it is still missed, and it counts as a miss
   * in the rates, so a change that names it is noticed and nothing is hidden.
   */
  known_miss?: string;
}

/**
 * matchSignatures with the options argument being added on branch dumps-match
 * ({ forkedChild: true }: "this dump is of a forked child that never exec'd").
 * Through this cast the call type-checks before and after that change; until
 * it lands the option is ignored and the forked-child verdicts are the as-pasted ones.
 */
type MatchWithOptions = (
  threads: readonly Thread[],
  signatures: readonly Signature[],
  options?: { forkedChild?: boolean },
) => MatchResult;
const match = matchSignatures as MatchWithOptions;

/** The entries of `<dir>/MANIFEST.yaml`. */
export function loadManifest(dir: string): Entry[] {
  return (parseYaml(readFileSync(join(dir, 'MANIFEST.yaml'), 'utf8')) as { entries: Entry[] }).entries;
}

/** The dump: the text after the header's `# key: value` lines and the blank line that ends them. */
export function dumpOf(text: string): string {
  const end = text.indexOf('\n\n');
  assert.ok(end > 0, 'a header, then a blank line, then the dump');
  return text.slice(end + 2);
}

/** The MANIFEST lists every `.txt` file of `dir`, each once, with a well-formed entry. */
export function assertManifestMatchesFiles(dir: string, entries: readonly Entry[]): void {
  const files = readdirSync(dir)
    .filter((n) => n.endsWith('.txt'))
    .sort();
  assert.deepEqual([...entries.map((e) => e.file)].sort(), files, 'files on disk = files in MANIFEST.yaml');
  assert.equal(new Set(entries.map((e) => e.file)).size, entries.length, 'no file listed twice');
  for (const e of entries) {
    assert.ok(existsSync(join(dir, e.file)), `${e.file} exists`);
    for (const key of ['source', 'project', 'format', 'said'] as const)
      assert.ok(typeof e[key] === 'string' && e[key].length > 0, `${e.file}: ${key}`);
    assert.match(e.source, /^https:\/\/\S+$/, `${e.file}: source is a URL`);
    assert.ok(VERDICTS.includes(e.verdict), `${e.file}: verdict ${e.verdict}`);
    assert.equal(typeof e.forked_child, 'boolean', `${e.file}: forked_child`);
    assert.equal(typeof e.complete, 'boolean', `${e.file}: complete`);
    if (e.verdict === 'none') assert.ok(e.kind && KINDS.includes(e.kind), `${e.file}: a none entry says its kind`);
  }
}

/** Every file starts with its # source header (the MANIFEST URL), a # title and a # format, then a blank line and the dump. */
export function assertHeaders(dir: string, entries: readonly Entry[]): void {
  for (const e of entries) {
    const text = readFileSync(join(dir, e.file), 'utf8');
    const header = text.slice(0, text.indexOf('\n\n')).split('\n');
    assert.equal(header[0], `# source: ${e.source}`, `${e.file}: first line`);
    assert.ok(
      header.every((l) => /^# [a-z]+: \S/.test(l)),
      `${e.file}: header lines are "# key: value"`,
    );
    assert.ok(
      header.some((l) => l.startsWith('# title: ')) && header.some((l) => l.startsWith('# format: ')),
      `${e.file}: # title and # format`,
    );
    assert.equal(
      header.some((l) => l.startsWith('# cut: ')),
      !e.complete,
      `${e.file}: "# cut:" exactly when complete is false`,
    );
    assert.ok(dumpOf(text).trim().length > 0, `${e.file}: a dump follows the header`);
  }
}

export type Miss = 'format not recognised' | 'vocabulary' | 'misnamed';

export interface Outcome {
  entry: Entry;
  /** Why the as-pasted result misses the entry's verdict; null when it meets it. */
  pasted: Miss | null;
  /** The same with { forkedChild: true } (= pasted where that claim is not tried). */
  forked: Miss | null;
  stack: ParsedStack;
  /** What the verdict the entry is judged by (forkedChild for forked_child entries) named. */
  named: string;
  /** Format, threads, frames and what was named both ways: for assertion messages. */
  seen: string;
}

function frameCount(stack: ParsedStack): number {
  return stack.threads.reduce((n, t) => n + t.frames.length, 0);
}

/** Why a result misses the entry's verdict, or null when it meets it. */
function missOf(e: Entry, stack: ParsedStack, m: MatchResult): Miss | null {
  if (e.verdict === 'deadlock-after-fork') {
    if (m.deadlock && !/prepare handler/i.test(m.matches[0]!.title)) return null;
    if (m.deadlock) return 'misnamed';
    return stack.format === 'unknown' || frameCount(stack) === 0 ? 'format not recognised' : 'vocabulary';
  }
  if (e.verdict === 'prepare-handler')
    return m.matches.every((x) => /prepare handler/i.test(x.title)) ? null : 'misnamed';
  if (e.kind === 'abba' || e.kind === 'self-deadlock')
    return m.matches.some((x) => /fork|exec'd/i.test(x.title)) ? 'misnamed' : null;
  return m.deadlock ? 'misnamed' : null;
}

function describeMatch(m: MatchResult): string {
  return m.matches.length === 0 ? 'nothing' : m.matches.map((x) => `${x.signatureId} "${x.title}"`).join(', ');
}

/**
 * Parses the entry's dump (format detected, as `forkwatch classify` does) and
 * matches it against `signatures` as pasted and with { forkedChild: true }.
 * The forked-child claim is not tried for real deadlocks without a fork
 * (abba, self-deadlock: the claim would be false) nor for prepare-handler parents.
 */
export function judge(dir: string, e: Entry, signatures: readonly Signature[]): Outcome {
  const stack = parseStack(dumpOf(readFileSync(join(dir, e.file), 'utf8')));
  const pastedMatch = match(stack.threads, signatures);
  const forkedMatch = match(stack.threads, signatures, { forkedChild: true });
  const pasted = missOf(e, stack, pastedMatch);
  const triesForked = !(e.kind === 'abba' || e.kind === 'self-deadlock' || e.verdict === 'prepare-handler');
  const forked = triesForked ? missOf(e, stack, forkedMatch) : pasted;
  const seen = `format ${stack.format}, ${stack.threads.length} thread(s), ${frameCount(stack)} frame(s); named ${describeMatch(pastedMatch)} as pasted, ${describeMatch(forkedMatch)} with forkedChild`;
  return { entry: e, pasted, forked, stack, named: describeMatch(e.forked_child ? forkedMatch : pastedMatch), seen };
}

/** The miss an outcome is reported under: forkedChild for forked_child children, else as pasted, then forkedChild. */
export function reportedMiss(o: Outcome): Miss | null {
  return o.entry.verdict === 'deadlock-after-fork' && o.entry.forked_child ? o.forked : (o.pasted ?? o.forked);
}

export interface Rates {
  children: number;
  childrenAsPasted: number;
  childrenWithForkedChild: number;
  prepare: number;
  prepareMisnamed: number;
  none: number;
  noneMisnamed: number;
}

export function ratesOf(outcomes: readonly Outcome[]): Rates {
  const of = (v: Verdict): Outcome[] => outcomes.filter((o) => o.entry.verdict === v);
  const children = of('deadlock-after-fork');
  return {
    children: children.length,
    childrenAsPasted: children.filter((o) => o.pasted === null).length,
    childrenWithForkedChild: children.filter((o) => o.forked === null).length,
    prepare: of('prepare-handler').length,
    prepareMisnamed: of('prepare-handler').filter((o) => o.pasted !== null).length,
    none: of('none').length,
    noneMisnamed: of('none').filter((o) => o.pasted !== null || o.forked !== null).length,
  };
}

export function percent(n: number, d: number): string {
  return `${n}/${d}${d ? ` (${Math.round((100 * n) / d)}%)` : ''}`;
}

/** The rate lines of a summary. */
export function rateLines(label: string, outcomes: readonly Outcome[]): string[] {
  const r = ratesOf(outcomes);
  return [
    `${label}: ${outcomes.length} dumps`,
    `  hung forked children named a deadlock as pasted: ${percent(r.childrenAsPasted, r.children)}`,
    `  hung forked children named a deadlock with forkedChild: ${percent(r.childrenWithForkedChild, r.children)}`,
    `  prepare-handler dumps never misnamed: ${percent(r.prepare - r.prepareMisnamed, r.prepare)}`,
    `  non-post-fork dumps never misnamed: ${percent(r.none - r.noneMisnamed, r.none)}`,
  ];
}

/** Misses grouped by reason, one line per dump: `file (format; named)`. */
export function missLines(outcomes: readonly Outcome[]): string[] {
  const misses = new Map<string, string[]>();
  for (const o of outcomes) {
    const miss = reportedMiss(o);
    if (miss) misses.set(miss, [...(misses.get(miss) ?? []), `${o.entry.file} (${o.stack.format}; ${o.named})`]);
  }
  const lines: string[] = [];
  for (const [miss, files] of misses) lines.push(`  ${miss}: ${files.length}`, ...files.map((f) => `    ${f}`));
  return lines;
}
