/** The verdict rule the daemon and `forkwatch scan` share (src/match/verdict.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideVerdict, PROVEN_BLOCKED } from '../../src/match/verdict.js';
import type { MatchResult, SignatureMatch } from '../../src/match/types.js';

const sig = (over: Partial<SignatureMatch>): SignatureMatch => ({
  signatureId: 'glibc-atfork-child-lock',
  title: 'Lock taken in a pthread_atfork child handler',
  severity: 'critical',
  version: '3',
  source: 'glibc.yaml',
  generic: false,
  rule: 'with symbols',
  threadIndex: 0,
  tid: 10,
  frameIndexes: [0],
  frames: ['__lll_lock_wait'],
  ...over,
});
const result = (matches: SignatureMatch[]): MatchResult => ({
  matches,
  fingerprint: 'ab12',
  deadlock: matches.some((m) => m.severity !== 'info'),
});
const notBlocked = { blocked: false, reasons: ['1 sample(s): at least 2 needed'] };
const blocked = { blocked: true, reasons: ['single-threaded futex wait', 'unchanged over 2 samples'] };

test('a deadlock signature decides, ahead of the kernel proof', () => {
  assert.deepEqual(decideVerdict(result([sig({})]), blocked), {
    signatureId: 'glibc-atfork-child-lock',
    signatureTitle: 'Lock taken in a pthread_atfork child handler',
    signatureVersion: '3',
    severity: 'critical',
    fingerprint: 'ab12',
  });
});

test('info-only matches are no verdict; the kernel proof then is, keeping the fingerprint', () => {
  const info = result([sig({ signatureId: 'note', severity: 'info' })]);
  assert.equal(decideVerdict(info, notBlocked), null);
  const v = decideVerdict(info, blocked)!;
  assert.equal(v.signatureId, PROVEN_BLOCKED);
  assert.equal(v.signatureTitle, 'Proven blocked: single-threaded futex wait; unchanged over 2 samples');
  assert.equal(v.fingerprint, 'ab12');
  assert.equal(decideVerdict(null, blocked)!.fingerprint, null);
});

test('neither proof: no verdict', () => {
  assert.equal(decideVerdict(null, notBlocked), null);
  assert.equal(decideVerdict(result([]), notBlocked), null);
});
