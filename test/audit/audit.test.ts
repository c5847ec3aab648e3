/**
 * auditProcess on real processes of this host (/proc, files only): what
 * leaves is redacted, a process that is gone is "cannot tell", and nothing
 * of the environment but the audited variables is kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { auditProcess, parseRuleText } from '../../src/audit/index.js';

const RULES = parseRuleText(
  `version: "1.0"
rules:
  - id: any-argument
    title: shows an argument
    level: low
    why: test
    prevention: none
    sources: [{ title: t, url: "https://example.org" }]
    when: [{ kind: argument, pattern: 'password' }]
  - id: preload
    title: shows LD_PRELOAD
    level: low
    why: test
    prevention: none
    sources: [{ title: t, url: "https://example.org" }]
    when: [{ kind: environment, name: LD_PRELOAD, pattern: '.' }]
`,
  '/test/rules.yaml',
).rules;

test('a pid that is gone: risk null with a note', async () => {
  const gone = spawnSync('true').pid!;
  const r = await auditProcess('gone', gone, RULES);
  assert.equal(r.risk, null);
  assert.match(r.notes[0]!, /could not be read/);
});
