/** Fork-risk rule files: the shipped set is valid and cited; schema, version, user override, disable, bad regex. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules, parseRuleText, SHIPPED_RULES_DIR } from '../../src/audit/load.js';

const RULE = `
  - id: my-rule
    title: a site rule
    level: high
    why: because
    prevention: do this
    sources: [{ title: our wiki, url: "https://wiki.example/fork" }]
    when:
      - { kind: library, pattern: '/libsite\\.so$' }
`;

function withDir(files: Record<string, string>, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'fw-rules-'));
  try {
    for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the shipped rules load without error, each with a source, a level and prevention text', () => {
  const set = loadRules();
  assert.deepEqual(set.errors, []);
  assert.ok(set.files.length >= 1 && set.files.every((f) => f.startsWith(SHIPPED_RULES_DIR)));
  assert.ok(set.rules.length >= 8);
  for (const r of set.rules) {
    assert.ok(r.sources.length >= 1 && r.sources.every((s) => s.url.startsWith('https://')), r.id);
    assert.ok(r.prevention.length > 10, r.id);
  }
  const ids = set.rules.map((r) => r.id);
  for (const id of [
    'jdk-fork-with-preload',
    'jdk-launch-mechanism-fork',
    'illumos-libpkcs11',
    'native-threaded-atfork-handler',
  ])
    assert.ok(ids.includes(id), id);
  const illumos = set.rules.find((r) => r.id === 'illumos-libpkcs11')!;
  const urls = illumos.sources.map((s) => s.url).join(' ');
  for (const cite of ['issues/1667', 'issues/4909', '05d57413']) assert.ok(urls.includes(cite), cite);
});

test('schema: an unknown key, a missing source, a bad level and a bad condition kind are named by key', () => {
  const text = `version: "1.0"\nrules:\n  - id: a\n    title: t\n    level: urgent\n    why: w\n    prevention: p\n    sources: []\n    when: [{ kind: library, pattern: x, colour: red }]\n`;
  const { rules, errors } = parseRuleText(text, '/x/bad.yaml');
  assert.equal(rules.length, 0);
  const keys = errors.map((e) => e.key);
  assert.ok(keys.includes('rules[0].level'), JSON.stringify(errors));
  assert.ok(keys.includes('rules[0].sources'), JSON.stringify(errors));
  assert.deepEqual(
    errors.filter((e) => e.key?.startsWith('rules[0].when')).map((e) => `${e.key}: ${e.message}`),
    ['rules[0].when[0]: unknown key "colour"'],
  );
  assert.equal(errors.find((e) => e.key === 'rules[0].level')?.message, 'must be one of "low", "high"');
  const kinds = parseRuleText(
    text.replace('kind: library, pattern: x, colour: red', 'kind: libraryz'),
    '/x/k.yaml',
  ).errors.filter((e) => e.key?.startsWith('rules[0].when'));
  assert.equal(kinds.length, 1, JSON.stringify(kinds));
  assert.equal(kinds[0]!.key, 'rules[0].when[0].kind');
  assert.match(kinds[0]!.message, /"library", "argument"/);
  assert.ok(errors.every((e) => e.path === '/x/bad.yaml' && e.id === 'a'));
});

test('version: a file of another major version is refused naming the version key; minor versions are read', () => {
  const v2 = parseRuleText(`version: "2.0"\nrules:${RULE}`, '/x/v2.yaml');
  assert.equal(v2.rules.length, 0);
  assert.equal(v2.errors[0]!.key, 'version');
  assert.match(v2.errors[0]!.message, /major version 1/);
  assert.equal(parseRuleText(`version: "1.7"\nrules:${RULE}`, '/x/v17.yaml').rules.length, 1);
  assert.equal(parseRuleText(`rules:${RULE}`, '/x/none.yaml').errors[0]!.key, 'version');
});

test('a regex RE2 cannot run in linear time is refused naming its key', () => {
  const text = `version: "1.0"\nrules:${RULE.replace('/libsite\\.so$', '(a)\\1')}`;
  assert.ok(text.includes('(a)\\1'));
  const { errors } = parseRuleText(text, '/x/re.yaml');
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0]!.key, 'rules[0].when[0].pattern');
  assert.match(errors[0]!.message, /linear-time/);
});

test('a user file adds rules, replaces a shipped rule with the same id (the user wins), and may disable one', () => {
  const override = `version: "1.0"\nrules:${RULE}
  - id: jdk-launch-mechanism-fork
    title: our own wording
    level: high
    why: site policy
    prevention: use our JAVA_OPTS template
    sources: [{ title: our wiki, url: "https://wiki.example/fork" }]
    when: [{ kind: property, name: jdk.lang.Process.launchMechanism, pattern: '(?i)fork' }]
  - id: ld-preload-set
    title: off
    level: low
    why: we preload on purpose
    prevention: none
    sources: [{ title: our wiki, url: "https://wiki.example/fork" }]
    when: [{ kind: platform, is: linux }]
    disabled: true
`;
  withDir({ 'site.yaml': override }, (dir) => {
    const set = loadRules({ paths: [dir] });
    assert.deepEqual(set.errors, []);
    const byId = new Map(set.rules.map((r) => [r.id, r]));
    assert.equal(byId.get('my-rule')?.file, join(dir, 'site.yaml'));
    assert.equal(byId.get('jdk-launch-mechanism-fork')?.level, 'high');
    assert.equal(byId.get('jdk-launch-mechanism-fork')?.title, 'our own wording');
    assert.equal(set.rules.filter((r) => r.id === 'jdk-launch-mechanism-fork').length, 1);
    assert.ok(!byId.has('ld-preload-set'));
    assert.ok(byId.has('jdk-fork-with-preload'));
  });
});

test('an unreadable path and invalid YAML are errors naming the file', () => {
  withDir({ 'broken.yaml': 'version: "1.0"\nrules: [\n' }, (dir) => {
    const set = loadRules({ paths: [dir, join(dir, 'missing.yaml')], shipped: false });
    assert.equal(set.errors.length, 2, JSON.stringify(set.errors));
    assert.match(set.errors[0]!.message, /not valid YAML/);
    assert.equal(set.errors[0]!.path, join(dir, 'broken.yaml'));
    assert.match(set.errors[1]!.message, /cannot read/);
  });
});
