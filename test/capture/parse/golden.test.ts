/**
 * Golden tests: every raw dump under test/fixtures/stacks/<format>/*.txt is
 * parsed and compared with the <name>.expected.json beside it.
 * FORKWATCH_UPDATE_GOLDEN=1 rewrites the expected files (review the diff).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/native-build.js';
import { detectStackFormat, PARSERS, parseStack, STACK_FORMATS } from '../../../src/capture/parse/index.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/stacks');
const UPDATE = process.env.FORKWATCH_UPDATE_GOLDEN === '1';

for (const format of STACK_FORMATS) {
  const files = readdirSync(join(FIXTURES, format))
    .filter((n) => n.endsWith('.txt'))
    .sort();
  test(`${format}: there are fixtures, real and synthetic`, () => {
    assert.ok(files.length >= 2, `${format} has ${files.length} fixtures`);
  });
  for (const file of files) {
    test(`${format}/${file} parses as its golden file says`, () => {
      const text = readFileSync(join(FIXTURES, format, file), 'utf8');
      // Lenient is the fallback: no detection names it, parseStack lands on it.
      if (format !== 'lenient') assert.equal(detectStackFormat(text), format, 'format detected from the text');
      const parsed = parseStack(text);
      assert.equal(parsed.format, format, 'parseStack lands on the format');
      const direct = PARSERS[format](text);
      if (format === 'lenient')
        assert.deepEqual(direct.threads, parsed.threads, 'parseStack(text) gives the lenient frames');
      else assert.deepEqual(direct, parsed, 'parseStack(text) equals the format parser');
      assert.equal(parsed.raw, text, 'the raw text is kept');
      assert.ok(
        parsed.threads.length > 0 && parsed.threads.every((t) => t.frames.length > 0),
        'every thread has frames',
      );
      const { raw: _raw, ...shape } = parsed;
      const golden = join(FIXTURES, format, file.replace(/\.txt$/, '.expected.json'));
      if (UPDATE || !existsSync(golden)) {
        assert.ok(UPDATE, `${golden} is missing: run npm run golden:update`);
        writeFileSync(golden, `${JSON.stringify(shape, null, 2)}\n`);
        return;
      }
      assert.deepEqual(shape, JSON.parse(readFileSync(golden, 'utf8')));
    });
  }
}
