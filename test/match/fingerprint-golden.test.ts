/**
 * Fingerprints are stored with incidents, carried in alerts and grouped on in
 * Alertmanager: one that changes between releases splits the same hang into
 * two incidents. So a change to normalisation (src/match/fingerprint.ts, the
 * vocabulary's `internal` list, a reader's names) must come with a new
 * FINGERPRINT_VERSION (src/match/fingerprint-version.ts), which the store
 * records per incident. This test keeps the fingerprint of every tuning dump
 * (never the held-out set) in fingerprints.golden.json with the version it was
 * made under: the same version with another fingerprint fails.
 *
 *   FORKWATCH_UPDATE_GOLDEN=1 node scripts/run-tests.mjs test/match/fingerprint-golden.test.ts
 *
 * rewrites it (after the version is raised, or when dumps are added).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import { parseStack } from '../../src/capture/parse/index.js';
import { FINGERPRINT_VERSION, loadSignatures, matchSignatures } from '../../src/match/index.js';
import { dumpOf } from './corpus-verdicts.js';

const STACKS = join(REPO_ROOT, 'test/fixtures/stacks');
const GOLDEN = join(STACKS, 'fingerprints.golden.json');
/** The held-out sets measure generalisation: nothing here reads them. */
const SKIP = new Set(['holdout', 'holdout2']);

interface Golden {
  version: number;
  fingerprints: Record<string, string | null>;
}

function dumps(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(STACKS, { withFileTypes: true })) {
    if (!dir.isDirectory() || SKIP.has(dir.name)) continue;
    for (const f of readdirSync(join(STACKS, dir.name)).sort())
      if (f.endsWith('.txt')) out.push(join(STACKS, dir.name, f));
  }
  return out.sort();
}

function fingerprints(): Record<string, string | null> {
  const signatures = loadSignatures().signatures;
  const out: Record<string, string | null> = {};
  for (const file of dumps()) {
    const raw = readFileSync(file, 'utf8');
    const text = file.includes('/public/') ? dumpOf(raw) : raw;
    out[relative(STACKS, file)] = matchSignatures(parseStack(text).threads, signatures).fingerprint ?? null;
  }
  return out;
}

test('fingerprints of the tuning dumps change only with FINGERPRINT_VERSION', () => {
  const now: Golden = { version: FINGERPRINT_VERSION, fingerprints: fingerprints() };
  assert.ok(Object.keys(now.fingerprints).length >= 100, `${Object.keys(now.fingerprints).length} dumps`);
  if (process.env.FORKWATCH_UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(now, null, 2)}\n`);
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden;
  if (golden.version !== now.version) {
    assert.fail(`the golden is of fingerprint version ${golden.version}, the code's is ${now.version}: regenerate it`);
  }
  const changed = Object.keys(now.fingerprints).filter(
    (f) => f in golden.fingerprints && golden.fingerprints[f] !== now.fingerprints[f],
  );
  assert.deepEqual(
    changed,
    [],
    `${changed.length} dump(s) got another fingerprint under the same version ${now.version}: raise FINGERPRINT_VERSION ` +
      'in src/match/fingerprint-version.ts (and say why there), then regenerate with FORKWATCH_UPDATE_GOLDEN=1',
  );
  const added = Object.keys(now.fingerprints).filter((f) => !(f in golden.fingerprints));
  assert.deepEqual(added, [], 'dumps without a golden fingerprint: regenerate with FORKWATCH_UPDATE_GOLDEN=1');
});
