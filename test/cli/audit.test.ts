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
