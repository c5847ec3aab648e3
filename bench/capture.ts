/**
 * Capture latency per backend on a hung child (what one captureStack costs
 * the daemon: /proc check, the tracer, the unharmed check, parsing).
 * Targets: the suite's deadlocked C program's hung child, and a hung child of
 * the stand-in Jenkins JVM (libjvm is big: symbol lookup costs more).
 *
 *   npx tsx bench/capture.ts [--runs N]        (default 20 per backend and target)
 *
 * Prints a Markdown table for bench/RESULTS.md. Backends are interleaved run
 * by run so that load from other processes hits them alike.
 */
import { loadavg, cpus } from 'node:os';
import { detectBackends } from '../src/capture/backends.js';
import { captureStack } from '../src/capture/capture-stack.js';
import { readStartTimeMs } from '../src/capture/identity.js';
import { resolveConfig } from '../src/config/load.js';
import { startDeadlocker } from '../test/helpers/deadlocker.js';
import { startForkDeadlockJvm } from '../test/helpers/jvm.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(label: string, pid: number): Promise<string[]> {
  const backends = detectBackends(resolveConfig({}));
  const target = { pid, startTimeMs: readStartTimeMs('/proc', pid)! };
  const times = new Map<string, number[]>(backends.map((b) => [b.name, []]));
  for (const b of backends)
    await captureStack(target, b, { procRoot: '/proc', timeoutMs: 10_000, maxOutputBytes: 1 << 20 }); // warm the page cache
  for (let i = 0; i < RUNS; i++) {
    for (const b of backends) {
      const r = await captureStack(target, b, { procRoot: '/proc', timeoutMs: 10_000, maxOutputBytes: 1 << 20 });
      if (!r.ok) throw new Error(`${b.name}: ${r.reason}`);
      if (r.targetAfter?.repaired.length)
        throw new Error(`${b.name} needed a repair: ${r.targetAfter.repaired.join()}`);
      times.get(b.name)!.push(r.durationMs);
    }
  }
  return backends.map((b) => {
    const t = times.get(b.name)!.sort((x, y) => x - y);
    return `| ${label} | ${b.name} | ${RUNS} | ${t[0]!.toFixed(1)} | ${pct(t, 50).toFixed(1)} | ${pct(t, 90).toFixed(1)} | ${t[t.length - 1]!.toFixed(1)} |`;
  });
}

const rows: string[] = [];
const d = await startDeadlocker({ hung: 1 });
try {
  await new Promise((r) => setTimeout(r, 300));
  rows.push(...(await measure('C deadlocker hung child', d.pidsOf('hung')[0]!)));
} finally {
  await d.stop();
}
const jvm = await startForkDeadlockJvm();
try {
  const [child] = await jvm.waitForHungChildren(1, 60_000);
  rows.push(...(await measure('JVM (JDK 17) hung child', child!)));
} finally {
  await jvm.stop();
}
console.log(
  `host: ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at the end; ${RUNS} runs per row, ms per captureStack`,
);
console.log('| target | backend | runs | min | median | p90 | max |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
