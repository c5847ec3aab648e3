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
 * of the pass rates and the kinds of misses is printed after the tests. The
 * reading, judging and summing up are shared with the held-out set's test
 * (holdout.test.ts) in corpus-verdicts.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSignatures } from '../../src/match/index.js';
import {
  assertHeaders,
  assertManifestMatchesFiles,
  judge,
  loadManifest,
  missLines,
  rateLines,
  reportedMiss,
  type Outcome,
  type Verdict,
} from './corpus-verdicts.js';

const CORPUS = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/stacks/public');
const entries = loadManifest(CORPUS);
const library = loadSignatures();

test('the MANIFEST lists every file of the corpus, each once, with a well-formed entry', () => {
  assert.ok(entries.length >= 40, `${entries.length} entries`);
  assertManifestMatchesFiles(CORPUS, entries);
});

test('the corpus has at least 25 hung forked children, and prepare-handler and non-deadlock dumps', () => {
  const count = (v: Verdict): number => entries.filter((e) => e.verdict === v).length;
  assert.ok(count('deadlock-after-fork') >= 25, `deadlock-after-fork: ${count('deadlock-after-fork')}`);
  assert.ok(count('prepare-handler') >= 3, `prepare-handler: ${count('prepare-handler')}`);
  assert.ok(count('none') >= 8, `none: ${count('none')}`);
});

test('every file starts with its # source header (the MANIFEST URL), a # title and a # format, then a blank line', () => {
  assertHeaders(CORPUS, entries);
});

const outcomes: Outcome[] = [];

for (const e of entries) {
  test(`${e.verdict}${e.forked_child ? ' (--forked-child)' : ''}: ${e.file}`, () => {
    const o = judge(CORPUS, e, library.signatures);
    outcomes.push(o);
    if (e.known_miss) {
      assert.notEqual(
        reportedMiss(o),
        null,
        `${e.file} is named now (${o.seen}): drop its known_miss ("${e.known_miss}")`,
      );
    } else if (e.verdict === 'deadlock-after-fork') {
      assert.equal(
        e.forked_child ? o.forked : o.pasted,
        null,
        `${e.file}: a hung forked child, ${e.forked_child ? 'with forkedChild' : 'as pasted'}: ${o.seen}`,
      );
    } else {
      assert.equal(o.pasted, null, `${e.file}: ${e.verdict}${e.kind ? ` (${e.kind})` : ''}, as pasted: ${o.seen}`);
      assert.equal(
        o.forked,
        null,
        `${e.file}: ${e.verdict}${e.kind ? ` (${e.kind})` : ''}, with forkedChild: ${o.seen}`,
      );
    }
  });
}

after(() => {
  if (outcomes.length === 0) return;
  console.log([...rateLines('public corpus', outcomes), ...missLines(outcomes)].join('\n'));
});
