/** The daemon's pure audit helpers: rise detection, metric encoding, bounds, the digest list. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  atRiskList,
  baselineLevel,
  boundResult,
  isRise,
  riseKey,
  riskSeries,
  RISK_VALUE,
} from '../../../src/audit/daemon/risk.js';
import type { RiskLevel } from '../../../src/audit/types.js';
import { reason, result } from './samples.js';

test('isRise: none→low, none→high and low→high rise; falls, equal levels and cannot-tell do not', () => {
  const cases: [RiskLevel, RiskLevel | null, boolean][] = [
    ['none', 'low', true],
    ['none', 'high', true],
    ['low', 'high', true],
    ['none', 'none', false],
    ['low', 'low', false],
    ['high', 'high', false],
    ['high', 'low', false],
    ['high', 'none', false],
    ['low', 'none', false],
    ['high', null, false],
    ['none', null, false],
  ];
  for (const [from, to, want] of cases) assert.equal(isRise(from, to), want, `${from} → ${to}`);
});

test('baselineLevel: the last result that could tell, else none', () => {
  assert.equal(baselineLevel([]), 'none');
  assert.equal(baselineLevel([result('high'), result(null)]), 'high');
  assert.equal(baselineLevel([result('high'), result('none'), result(null)]), 'none');
});

test('riseKey: one per target, pid and level', () => {
  assert.equal(riseKey(result('high', [], 4242)), 'fork-risk:jenkins:4242:high');
  assert.notEqual(riseKey(result('high', [], 4242)), riseKey(result('high', [], 4243)));
  assert.notEqual(riseKey(result('low', [], 4242)), riseKey(result('high', [], 4242)));
});

test('metric encoding: none 0, low 1, high 2; one series per reason of a known rule id; cannot tell has no series', () => {
  assert.deepEqual(RISK_VALUE, { none: 0, low: 1, high: 2 });
  const ids = new Set(['jdk-launch-mechanism-fork', 'jdk-fork-with-preload']);
  const r = result('high', [
    reason('jdk-fork-with-preload', 'high'),
    reason('jdk-launch-mechanism-fork', 'low'),
    reason('not-a-rule-id <x>', 'high'),
  ]);
  assert.deepEqual(riskSeries(r, ids), {
    level: 2,
    reasons: [
      { target: 'jenkins', reason: 'jdk-fork-with-preload', value: 2 },
      { target: 'jenkins', reason: 'jdk-launch-mechanism-fork', value: 1 },
    ],
  });
  assert.deepEqual(riskSeries(result('none'), ids), { level: 0, reasons: [] });
  assert.deepEqual(riskSeries(result(null), ids), { level: null, reasons: [] });
});

test('boundResult: hostile evidence is capped, lists are bounded', () => {
  const long = `<script>alert(1)</script>${'A'.repeat(100_000)}`;
  const many = Array.from({ length: 200 }, (_, i) => reason(`r${i}`, 'low', long));
  const b = boundResult({ ...result('low', many), notes: Array.from({ length: 100 }, () => long) });
  assert.equal(b.reasons.length, 50);
  assert.ok(b.reasons.every((r) => r.evidence.text.length <= 512 && r.evidenceAll.every((e) => e.text.length <= 512)));
  assert.ok(b.reasons[0]!.evidence.text.startsWith('<script>'), "cut, not rewritten (escaping is the views' job)");
  assert.equal(b.notes.length, 20);
  assert.ok(JSON.stringify(b).length < 200_000);
});

test('atRiskList: low and high only, highest first, reasons as rule: evidence', () => {
  const list = atRiskList([
    result('low', [reason('a', 'low')], 1, 'agent'),
    result('none', [], 2, 'x'),
    result(null, [], null, 'y'),
    result('high', [reason('b', 'high')], 3, 'jenkins'),
  ]);
  assert.deepEqual(list, [
    { target: 'jenkins', pid: 3, risk: 'high', reasons: ['b: b evidence'] },
    { target: 'agent', pid: 1, risk: 'low', reasons: ['a: a evidence'] },
  ]);
});
