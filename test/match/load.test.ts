/** Loader: bad files are reported with path, entry index, id and field; good ones load; overrides work. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatLoadError,
  loadSignatureFile,
  loadSignatures,
  parseSignatureText,
  SHIPPED_SIGNATURES_DIR,
} from '../../src/match/index.js';

const GOOD_ENTRY = `
  - id: my-lib-lock
    title: my lib lock
    description: mine
    severity: warning
    rules:
      - frames:
          - fn: 'my_lock'
`;

test('a valid file loads, with version, source and defaults', () => {
  const r = parseSignatureText(`version: 3\nsignatures:${GOOD_ENTRY}`, '/etc/forkwatch/mine.yaml');
  assert.deepEqual(r.errors, []);
  assert.equal(r.signatures.length, 1);
  assert.deepEqual(
    [r.signatures[0]!.version, r.signatures[0]!.source, r.signatures[0]!.references],
    ['3', '/etc/forkwatch/mine.yaml', []],
  );
});

test('bad YAML names the file', () => {
  const r = parseSignatureText('version: "1"\nsignatures: [\n  - id: x\n', '/x/bad.yaml');
  assert.equal(r.signatures.length, 0);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.path, '/x/bad.yaml');
  assert.match(formatLoadError(r.errors[0]!), /^\/x\/bad\.yaml: not valid YAML/);
});

test('bad JSON names the file', () => {
  const r = parseSignatureText('{"version": 1, ', '/x/bad.json');
  assert.match(formatLoadError(r.errors[0]!), /^\/x\/bad\.json: not valid JSON/);
});

test('file-level problems name the field: missing version, unknown key', () => {
  const r = parseSignatureText('signatures: []\nextra: 1\n', '/x/f.yaml');
  const text = r.errors.map(formatLoadError).join('\n');
  assert.match(text, /version/);
  assert.match(text, /extra/);
  assert.ok(r.errors.every((e) => e.entry === null));
});

const badEntries: [string, string, RegExp][] = [
  [
    'severity not allowed',
    `  - id: a\n    title: t\n    description: d\n    severity: fatal\n    rules: [{frames: [{fn: x}]}]\n`,
    /entry 0 \(id "a"\): severity: /,
  ],
  [
    'regex does not compile',
    `  - id: a\n    title: t\n    description: d\n    severity: info\n    rules: [{frames: [{fn: x}, {fn: '(unclosed'}]}]\n`,
    /entry 0 \(id "a"\): rules\[0\]\.frames\[1\]\.fn: invalid regex/,
  ],
  [
    'bad module regex',
    `  - id: a\n    title: t\n    description: d\n    severity: info\n    rules: [{frames: [{module: '['}]}]\n`,
    /rules\[0\]\.frames\[0\]\.module: invalid regex/,
  ],
  [
    'bad code regex',
    `  - id: a\n    title: t\n    description: d\n    severity: info\n    rules: [{frames: [{code: "with ("}]}]\n`,
    /rules\[0\]\.frames\[0\]\.code: invalid regex/,
  ],
  [
    'bad unless regex',
    `  - id: a\n    title: t\n    description: d\n    severity: info\n    rules: [{unless: '*', frames: [{fn: x}]}]\n`,
    /rules\[0\]\.unless: invalid regex/,
  ],
  [
    'unknown field in a frame',
    `  - id: a\n    title: t\n    description: d\n    severity: info\n    rules: [{frames: [{fun: x}]}]\n`,
    /rules\[0\]\.frames\[0\]: must NOT have additional properties \(fun\)/,
  ],
  [
    'empty frame pattern',
    `  - id: a\n    title: t\n    description: d\n    severity: info\n    rules: [{frames: [{maxGap: 2}]}]\n`,
    /rules\[0\]\.frames\[0\]: a frame pattern needs fn, vocab, module, args, code, source or unnamed/,
  ],
  [
    'no rules',
    `  - id: a\n    title: t\n    description: d\n    severity: info\n    rules: []\n`,
    /entry 0 \(id "a"\): rules: must NOT have fewer than 1 items/,
  ],
  [
    'bad id',
    `  - id: Bad Id\n    title: t\n    description: d\n    severity: info\n    rules: [{frames: [{fn: x}]}]\n`,
    /entry 0 \(id "Bad Id"\): id: must match pattern/,
  ],
  [
    'reserved id',
    `  - id: unknown\n    title: t\n    description: d\n    severity: info\n    rules: [{frames: [{fn: x}]}]\n`,
    /entry 0 \(id "unknown"\): id: "unknown" is reserved/,
  ],
  [
    'missing title',
    `  - id: a\n    description: d\n    severity: info\n    rules: [{frames: [{fn: x}]}]\n`,
    /entry 0 \(id "a"\): must have required property 'title'/,
  ],
  [
    'negative maxGap',
    `  - id: a\n    title: t\n    description: d\n    severity: info\n    rules: [{frames: [{fn: x, maxGap: -1}]}]\n`,
    /rules\[0\]\.frames\[0\]\.maxGap: must be >= 0/,
  ],
  ['entry not an object', `  - 42\n`, /entry 0: must be object/],
];

for (const [name, entry, expected] of badEntries) {
  test(`entry error: ${name}`, () => {
    const r = parseSignatureText(`version: "1"\nsignatures:${GOOD_ENTRY}${entry}`, '/x/user.yaml');
    assert.equal(r.signatures.length, 1, 'the good entry still loads');
    assert.ok(r.errors.length >= 1);
    const lines = r.errors.map(formatLoadError);
    assert.ok(
      lines.every((l) => l.startsWith('/x/user.yaml: entry 1')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => expected.test(l.replace('entry 1', 'entry 0'))),
      `${lines.join('\n')} !~ ${expected}`,
    );
  });
}

test('duplicate ids in one file are an error naming the second entry', () => {
  const r = parseSignatureText(`version: "1"\nsignatures:${GOOD_ENTRY}${GOOD_ENTRY}`, '/x/dup.yaml');
  assert.equal(r.signatures.length, 1);
  assert.match(formatLoadError(r.errors[0]!), /^\/x\/dup\.yaml: entry 1 \(id "my-lib-lock"\): id: duplicate id/);
});

test('loadSignatures: shipped + user dir + user file; later files override by id; unreadable paths are errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-sig-'));
  try {
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'a.yaml'), `version: "u1"\nsignatures:${GOOD_ENTRY}`);
    writeFileSync(join(dir, 'd', 'ignored.txt'), 'not a library');
    writeFileSync(
      join(dir, 'override.json'),
      JSON.stringify({
        version: 'u2',
        signatures: [
          {
            id: 'glibc-atfork-child-lock',
            title: 'mine',
            description: 'm',
            severity: 'info',
            rules: [{ frames: [{ fn: 'x' }] }],
          },
        ],
      }),
    );
    const lib = loadSignatures({ paths: [join(dir, 'd'), join(dir, 'override.json'), join(dir, 'missing.yaml')] });
    assert.ok(lib.files.some((f) => f.startsWith(SHIPPED_SIGNATURES_DIR)));
    assert.ok(lib.signatures.some((s) => s.id === 'my-lib-lock' && s.version === 'u1'));
    const over = lib.signatures.filter((s) => s.id === 'glibc-atfork-child-lock');
    assert.equal(over.length, 1);
    assert.equal(over[0]!.title, 'mine');
    assert.equal(lib.errors.length, 1);
    assert.match(formatLoadError(lib.errors[0]!), /missing\.yaml: cannot read/);
    const userOnly = loadSignatures({ shipped: false, paths: [join(dir, 'd')] });
    assert.deepEqual(
      userOnly.signatures.map((s) => s.id),
      ['my-lib-lock'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadSignatureFile: a directory or huge file is an error, not a throw', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-sig-'));
  try {
    writeFileSync(join(dir, 'huge.yaml'), 'x'.repeat(1024 * 1024 + 1));
    assert.match(formatLoadError(loadSignatureFile(join(dir, 'huge.yaml')).errors[0]!), /larger than/);
    assert.match(formatLoadError(loadSignatureFile(dir).errors[0]!), /cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
