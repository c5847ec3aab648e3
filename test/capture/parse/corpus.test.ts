/**
 * Every real public dump of the corpus (test/fixtures/stacks/public, copied
 * from the `corpus` branch; MANIFEST.yaml says where each was pasted) is read
 * by the reader its MANIFEST format names, into threads with named frames,
 * header and all: `classify` is given the file as it is. Verdicts are
 * test/match's business; this is only "the text was read".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../../helpers/native-build.js';
import { parseStack } from '../../../src/capture/parse/index.js';

const DIR = join(REPO_ROOT, 'test/fixtures/stacks/public');
const manifest = parseYaml(readFileSync(join(DIR, 'MANIFEST.yaml'), 'utf8')) as {
  entries: { file: string; format: string }[];
};

/** The reader a MANIFEST format names: Linux pstack/gstack print gdb's format. */
function readerFor(format: string): string {
  if (/^lldb\b/.test(format)) return 'lldb';
  if (/\binfo line\b/.test(format)) return 'gdb-info';
  if (/^Go\b/.test(format)) return 'lenient';
  // Python- and Ruby-level dumps (py-spy dump, gdb's py-bt, tracebacks, faulthandler, pystack, Ruby's
  // backtraces) have no reader of their own: the lenient one reads them
  if (/^(?:py-spy|gdb py-bt|Python traceback|faulthandler|pystack|Ruby)\b/.test(format)) return 'lenient';
  // so do gdb frames whose `#` a Markdown rendering ate (`0  futex_wait (…) at …`) or an importer mangled, and kernel stacks
  if (
    /\bframe numbers lost their leading hash\b|\bframe number as '#<span>|^Linux kernel stack\b|^macOS crash report\b/.test(
      format,
    )
  )
    return 'lenient';
  if (/^jstack\b/.test(format)) return 'jstack';
  if (/^Android debuggerd\b/.test(format)) return 'debuggerd';
  if (/^macOS sample\b/.test(format)) return 'macos-sample';
  if (/^(?:gdb|gstack|pstack \(Linux)/.test(format)) return 'gdb';
  if (/^illumos pstack\b/.test(format)) return 'pstack';
  throw new Error(`MANIFEST format "${format}" names no reader this test knows`);
}

test('the corpus is here: every dump has a MANIFEST entry and every entry a dump', () => {
  const files = readdirSync(DIR)
    .filter((n) => n.endsWith('.txt'))
    .sort();
  assert.ok(files.length >= 60, `${files.length} dumps`);
  assert.deepEqual(manifest.entries.map((e) => e.file).sort(), files);
});

for (const entry of manifest.entries) {
  test(`corpus ${entry.file} (${entry.format}) is read into frames`, () => {
    const p = parseStack(readFileSync(join(DIR, entry.file), 'utf8'));
    assert.equal(p.format, readerFor(entry.format), p.warnings.join('; '));
    // a reader that names the lines it skips (pstack: the paste's prompt and fence) still read the dump
    assert.ok(!p.warnings.some((w) => w.startsWith('stack format not recognised')), p.warnings.join('; '));
    const named = p.threads.flatMap((t) => t.frames).filter((f) => f.normalized !== null);
    assert.ok(named.length > 0, 'named frames');
    // The lock wait (or whatever the dump's top is) is frame 0 of some thread, named or not.
    assert.ok(
      p.threads.every((t) => t.frames.length > 0),
      'no thread without frames',
    );
  });
}
