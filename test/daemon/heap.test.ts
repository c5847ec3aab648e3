import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectAfterFullScan } from '../../src/daemon/heap.js';
import { describeResult, runTool } from '../deploy/support.js';

test('collectAfterFullScan calls global gc when node exposes it, and does nothing otherwise', () => {
  const g = globalThis as { gc?: () => void };
  const saved = g.gc;
  try {
    let calls = 0;
    g.gc = () => void calls++;
    assert.equal(collectAfterFullScan(), true);
    assert.equal(calls, 1);
    g.gc = undefined;
    assert.equal(collectAfterFullScan(), false);
  } finally {
    g.gc = saved;
  }
});

/**
 * A real V8 with --expose-gc, as the daemon runs: a heap of 400,000 objects of which 90 % die, scattered over every
 * page. A plain major GC keeps most of those pages (V8 compacts only the ones it picks); collectAfterFullScan
 * compacts them all, and leaves V8's choice in place for the GCs after it (the flag is set only around its call).
 */
const FRAGMENTED = `
import { getHeapStatistics } from 'node:v8';
import { collectAfterFullScan } from ${JSON.stringify(new URL('../../src/daemon/heap.ts', import.meta.url).href)};
const mode = process.argv[1];
if (mode === 'after') collectAfterFullScan();
let keep = [];
for (let i = 0; i < 400000; i++) keep.push({ a: i, b: 'x' + i, c: [i] });
gc();
gc();
keep = keep.filter((_, i) => i % 10 === 0);
if (mode === 'forkwatch') collectAfterFullScan();
else gc();
const h = getHeapStatistics();
console.log(JSON.stringify({ total: h.total_heap_size, used: h.used_heap_size, kept: keep.length }));
`;

function heapAfter(mode: 'plain' | 'forkwatch' | 'after'): { total: number; used: number } {
  const r = runTool(process.execPath, [
    '--expose-gc',
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    FRAGMENTED,
    mode,
  ]);
  assert.equal(r.status, 0, `${mode}: ${describeResult(r)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { total: number; used: number };
}

test('collectAfterFullScan compacts the whole old generation, and only during its own call', () => {
  const plain = heapAfter('plain');
  const forkwatch = heapAfter('forkwatch');
  const after = heapAfter('after');
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
  assert.ok(
    forkwatch.total < plain.total * 0.7,
    `compacted: heap ${mb(forkwatch.total)} against ${mb(plain.total)} after a plain gc (${mb(plain.used)} used)`,
  );
  assert.ok(
    after.total > forkwatch.total * 1.4,
    `a later plain gc does not compact everything: ${mb(after.total)} against ${mb(forkwatch.total)}`,
  );
});
