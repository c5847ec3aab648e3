/** forkwatch audit's exit status and table, over plain results. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditExitStatus, formatAuditTable } from '../../src/cli/audit.js';
import type { AuditResult } from '../../src/audit/types.js';

const result = (risk: AuditResult['risk']): AuditResult => ({
  target: 'jenkins',
  pid: 7,
  risk,
  reasons: [],
  notes: [],
});

test('exit: 0 none/low, 1 any high (even beside a cannot-tell), 3 cannot tell or nothing to audit', () => {
  assert.equal(auditExitStatus([result('none'), result('low')]), 0);
  assert.equal(auditExitStatus([result('low'), result('high'), result(null)]), 1);
  assert.equal(auditExitStatus([result('none'), result(null)]), 3);
  assert.equal(auditExitStatus([]), 3);
});

test('the table names the level, the rule, every piece of evidence, the prevention and the source', () => {
  const r: AuditResult = {
    ...result('high'),
    reasons: [
      {
        rule: 'jdk-fork-with-preload',
        title: 'JVM forks with FORK and LD_PRELOAD',
        level: 'high',
        evidence: { kind: 'property', text: 'jdk.lang.Process.launchMechanism=FORK (cmdline)' },
        evidenceAll: [
          { kind: 'property', text: 'jdk.lang.Process.launchMechanism=FORK (cmdline)' },
          { kind: 'environment', text: 'LD_PRELOAD=/x.so' },
        ],
        why: 'w',
        prevention: 'use POSIX_SPAWN',
        source: [{ title: 't', url: 'https://bugs.openjdk.org/browse/JDK-8213192' }],
      },
    ],
  };
  const text = formatAuditTable([r]);
  for (const s of [
    'risk high',
    '[high] jdk-fork-with-preload',
    'evidence (property): jdk.lang.Process.launchMechanism=FORK (cmdline)',
    'evidence (environment): LD_PRELOAD=/x.so',
    'prevent: use POSIX_SPAWN',
    'JDK-8213192',
  ]) {
    assert.ok(text.includes(s), s);
  }
  assert.match(formatAuditTable([result(null)]), /risk cannot tell/);
});

test("the table prints the evidence's control characters as ? (a mapped file's name is the watched process's to choose)", () => {
  const evil = { kind: 'library' as const, text: '/tmp/\x1b[2Jevil\x07.so' };
  const r: AuditResult = {
    ...result('high'),
    reasons: [
      {
        rule: 'preload-allocator',
        title: 'an allocator preloaded',
        level: 'high',
        evidence: evil,
        evidenceAll: [evil],
        why: 'w',
        prevention: 'remove it',
        source: [{ title: 't', url: 'https://example.org/x' }],
      },
    ],
  };
  const text = formatAuditTable([r]);
  assert.ok(text.includes('/tmp/?[2Jevil?.so'), text);
  assert.doesNotMatch(text, /\x1b|\x07/); // eslint-disable-line no-control-regex
});
