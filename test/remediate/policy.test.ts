/** remediation.{mode,signatures,minAge}: which confirmed incidents the daemon acts on by itself. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgePolicy, signatureQualifies, type RemediationPolicy } from '../../src/remediate/policy.js';
import type { IncidentSummary } from '../../src/record/types.js';

const NOW = 1_700_000_100_000;

function incident(over: Partial<IncidentSummary> = {}): IncidentSummary {
  return {
    id: '0123456789abcdef',
    key: 'h/1@1/2@2',
    host: 'h',
    targetName: 'jenkins',
    targetPid: 100,
    targetStartMs: 1,
    targetUser: null,
    childPid: 200,
    childStartMs: NOW - 120_000,
    state: 'confirmed',
    openedAt: NOW - 60_000,
    confirmedAt: NOW - 30_000,
    remediatedAt: null,
    resolvedAt: null,
    resolvedReason: null,
    lastSeenAt: NOW,
    overdueSince: null,
    signatureId: 'glibc-atfork-child-lock',
    signatureTitle: 't',
    signatureVersion: '1',
    severity: 'critical',
    fingerprint: 'fp',
    jenkinsJob: null,
    forkingThread: null,
    ...over,
  };
}

const policy = (over: Partial<RemediationPolicy> = {}): RemediationPolicy => ({
  mode: 'kill',
  signatures: ['*'],
  minAgeMs: 0,
  ...over,
});

test('signatureQualifies: "*" is any library signature, "proven-blocked" names kernel proof alone', () => {
  const rows: [string | null, string[], boolean][] = [
    ['glibc-atfork-child-lock', ['*'], true],
    ['glibc-atfork-child-lock', ['illumos-1667'], false],
    ['glibc-atfork-child-lock', ['glibc-atfork-child-lock'], true],
    ['proven_blocked', ['*'], false],
    ['proven_blocked', ['proven-blocked'], true],
    ['proven_blocked', ['*', 'proven-blocked'], true],
    ['unknown', ['*'], false],
    [null, ['*'], false],
    ['x', [], false],
  ];
  for (const [id, allowed, want] of rows)
    assert.equal(signatureQualifies(id, allowed), want, `${id} in [${allowed.join()}]`);
});

test('judgePolicy table: mode, state, signature, minAge', () => {
  const rows: {
    name: string;
    i: IncidentSummary;
    p: RemediationPolicy;
    act: boolean;
    final?: boolean;
    reason: RegExp;
  }[] = [
    { name: 'off', i: incident(), p: policy({ mode: 'off' }), act: false, final: true, reason: /off/ },
    {
      name: 'kill, confirmed, any signature',
      i: incident(),
      p: policy(),
      act: true,
      reason: /glibc-atfork-child-lock/,
    },
    {
      name: 'dry-run acts the same way (act.ts sends nothing)',
      i: incident(),
      p: policy({ mode: 'dry-run' }),
      act: true,
      reason: /confirmed/,
    },
    {
      name: 'suspect: wait',
      i: incident({ state: 'suspect' }),
      p: policy(),
      act: false,
      final: false,
      reason: /suspect/,
    },
    {
      name: 'remediated: never again',
      i: incident({ state: 'remediated' }),
      p: policy(),
      act: false,
      final: true,
      reason: /remediated/,
    },
    {
      name: 'resolved: never',
      i: incident({ state: 'resolved' }),
      p: policy(),
      act: false,
      final: true,
      reason: /resolved/,
    },
    {
      name: 'signature not listed',
      i: incident(),
      p: policy({ signatures: ['illumos-1667'] }),
      act: false,
      final: true,
      reason: /not in remediation.signatures/,
    },
    {
      name: 'proven blocked needs proven-blocked',
      i: incident({ signatureId: 'proven_blocked' }),
      p: policy(),
      act: false,
      final: true,
      reason: /proven_blocked/,
    },
    {
      name: 'proven blocked allowed',
      i: incident({ signatureId: 'proven_blocked' }),
      p: policy({ signatures: ['proven-blocked'] }),
      act: true,
      reason: /proven_blocked/,
    },
    {
      name: 'younger than minAge: wait',
      i: incident(),
      p: policy({ minAgeMs: 300_000 }),
      act: false,
      final: false,
      reason: /minAge/,
    },
    { name: 'exactly minAge', i: incident(), p: policy({ minAgeMs: 120_000 }), act: true, reason: /120 s old/ },
  ];
  for (const r of rows) {
    const v = judgePolicy(r.i, r.p, NOW);
    assert.equal(v.act, r.act, r.name);
    if (!v.act) assert.equal(v.final, r.final, `${r.name}: final`);
    assert.match(v.reason, r.reason, r.name);
  }
});
