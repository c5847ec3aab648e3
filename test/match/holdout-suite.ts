/**
 * The tests of a held-out validation set (a directory of real public dumps
 * with a MANIFEST, in the public corpus's format, that nobody tunes against):
 * structure, no overlap with the sets it must stay apart from, issue 13's
 * goal measured on it, and a summary that names no dump. holdout.test.ts and
 * holdout2.test.ts run it on their own set with their own floors.
 *
 * Not a test file itself (no `.test.ts`): the runner only picks those up.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadSignatures } from '../../src/match/index.js';
import {
  assertHeaders,
  assertManifestMatchesFiles,
  dumpOf,
  judge,
  loadManifest,
  missLines,
  percent,
  rateLines,
  ratesOf,
  reportedMiss,
  type Outcome,
  type Verdict,
} from './corpus-verdicts.js';

export interface HeldOutSet {
  /** The set's directory (MANIFEST.yaml + one dump per file). */
  dir: string;
  /** Corpus directories it shares no report (source URL) and no dump with. */
  apartFrom: readonly string[];
  /** The least the set holds: dumps in all, and per verdict. */
  least: { dumps: number; children: number; prepare: number; none: number };
  /** The measured floors (a change that names fewer children fails). */
  floors: { asPasted: number; forkedChild: number };
}

export function heldOutTests(set: HeldOutSet): void {
  const name = basename(set.dir);
  const entries = loadManifest(set.dir);
  const outcomes: Outcome[] = [];

  before(() => {
    const library = loadSignatures();
    for (const e of entries) outcomes.push(judge(set.dir, e, library.signatures));
  });

  test(`${name}: the MANIFEST lists every file of the set, each once, with a well-formed entry`, () => {
    assertManifestMatchesFiles(set.dir, entries);
  });

  test(`${name}: every file starts with its # source header (the MANIFEST URL), a # title and a # format, then a blank line`, () => {
    assertHeaders(set.dir, entries);
  });

  const { least } = set;
  test(`${name}: the set has at least ${least.dumps} dumps: ${least.children} hung forked children, ${least.prepare} prepare-handler parents, ${least.none} non-deadlocks`, () => {
    const count = (v: Verdict): number => entries.filter((e) => e.verdict === v).length;
    assert.ok(entries.length >= least.dumps, `${entries.length} dumps`);
    assert.ok(count('deadlock-after-fork') >= least.children, `deadlock-after-fork: ${count('deadlock-after-fork')}`);
    assert.ok(count('prepare-handler') >= least.prepare, `prepare-handler: ${count('prepare-handler')}`);
    assert.ok(count('none') >= least.none, `none: ${count('none')}`);
  });

  for (const other of set.apartFrom) {
    test(`${name}: shares no report and no dump with ${basename(other)}`, () => {
      const theirs = loadManifest(other);
      const sources = new Set(theirs.map((e) => e.source));
      const dumps = new Set(theirs.map((e) => dumpOf(readFileSync(join(other, e.file), 'utf8')).trim()));
      for (const e of entries) {
        assert.ok(!sources.has(e.source), `${e.file}: ${e.source} is also a source of ${basename(other)}`);
        assert.ok(
          !dumps.has(dumpOf(readFileSync(join(set.dir, e.file), 'utf8')).trim()),
          `${e.file}: the same dump is in ${basename(other)}`,
        );
      }
    });
  }

  test(`${name}: hung forked children named a deadlock as pasted: no fewer than ${set.floors.asPasted} (goal 90%)`, () => {
    const r = ratesOf(outcomes);
    assert.ok(
      r.children >= least.children && r.childrenAsPasted >= set.floors.asPasted,
      `named as pasted: ${percent(r.childrenAsPasted, r.children)}`,
    );
  });

  test(`${name}: hung forked children named a deadlock with forkedChild: no fewer than ${set.floors.forkedChild} (goal 95%)`, () => {
    const r = ratesOf(outcomes);
    assert.ok(
      r.children >= least.children && r.childrenWithForkedChild >= set.floors.forkedChild,
      `named with forkedChild: ${percent(r.childrenWithForkedChild, r.children)}`,
    );
  });

  test(`${name}: goal: no non-post-fork dump is named a post-fork deadlock`, () => {
    assert.equal(
      ratesOf(outcomes).noneMisnamed,
      0,
      `misnamed: ${outcomes.filter((o) => o.entry.verdict === 'none' && reportedMiss(o)).length}`,
    );
  });

  test(`${name}: goal: every prepare-handler parent that is named is named a prepare-handler hang`, () => {
    assert.equal(ratesOf(outcomes).prepareMisnamed, 0, 'prepare-handler parents misnamed');
  });

  after(() => {
    if (outcomes.length === 0) return;
    const r = ratesOf(outcomes);
    const lines = [
      ...rateLines(`held-out set ${name}`, outcomes),
      `  non-deadlocks named a deadlock (or a fork name): ${r.noneMisnamed}`,
      `  prepare-handler parents misnamed: ${r.prepareMisnamed}`,
      '  misses by verdict, reason and parsed format:',
      ...reasonLines(outcomes),
    ];
    if (process.env.HOLDOUT_DETAILS === '1') lines.push(...missLines(outcomes));
    console.log(lines.join('\n'));
  });
}

/** Misses counted by verdict, reason and parsed format, without naming the dumps. */
function reasonLines(outcomes: readonly Outcome[]): string[] {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const miss = reportedMiss(o);
    if (!miss) continue;
    const key = `${o.entry.verdict}${o.entry.kind ? ` (${o.entry.kind})` : ''}: ${miss}, parsed as ${o.stack.format}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort().map(([key, n]) => `  ${key}: ${n}`);
}
