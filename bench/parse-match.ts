/**
 * Parse + match cost: the shipped library's load, one hung child's gdb dump,
 * and a JVM-sized dump (300 threads × 60 frames, ~1 MiB: the capture cap).
 *   npx tsx bench/parse-match.ts
 */
import { readFileSync } from 'node:fs';
import { parseStack } from '../src/capture/parse/index.js';
import { loadSignatures, matchSignatures } from '../src/match/index.js';

const t0 = performance.now();
const lib = loadSignatures().signatures;
const loadMs = performance.now() - t0;

const hung = readFileSync(new URL('../test/fixtures/stacks/gdb/linux-hung.txt', import.meta.url), 'utf8');
const thread = 'Thread 1 (Thread 0x7f (LWP 1) "x"):\n' + Array.from({ length: 60 }, (_, i) => `#${i}  0x00007fee455e9df2 in java_frame_${i} (a=1) at f.c:${i}\n`).join('');
const big = thread.repeat(300);

function perCall(text: string, n: number): number {
  const started = performance.now();
  for (let i = 0; i < n; i++) matchSignatures(parseStack(text).threads, lib);
  return (performance.now() - started) / n;
}

console.log(`library load (${lib.length} signatures): ${loadMs.toFixed(1)} ms`);
console.log(`hung child (gdb, 10 frames) parse+match: ${(perCall(hung, 2000) * 1000).toFixed(0)} µs`);
console.log(`300 threads × 60 frames (${(big.length / 1024).toFixed(0)} KiB) parse+match: ${perCall(big, 20).toFixed(1)} ms`);
