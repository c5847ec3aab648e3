/**
 * The cost of the tracer box (src/util/run-boxed.ts) per capture: eu-stack on
 * the suite's hung C child, run bare (the previous path: execa, own process
 * group, the daemon's environment plus DEBUGINFOD_URLS=''), plain (a bare
 * child_process.spawn, the same mechanism the box uses, without any of the
 * box), and boxed (fixed environment, setsid, prlimit limits), plus the box
 * without prlimit to show what the limits' extra exec costs. Runs are interleaved so that load from
 * other processes hits every variant alike. Also times the deadline's sweep
 * of /proc/*\/environ (done only when a run is killed).
 *
 *   npx tsx bench/tracer-box.ts [--runs N]     (default 200)
 *
 * Prints a Markdown table for bench/RESULTS.md.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { readdirSync } from 'node:fs';
import { CAPTURE_ENV, resolveExecutable } from '../src/capture/backends.js';
import { tracerBox } from '../src/capture/tools.js';
import { runProgram, type RunOptions } from '../src/util/run-program.js';
import { findByEnvNonce } from '../src/util/reap.js';
import { startDeadlocker } from '../test/helpers/deadlocker.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 200;
const TIMEOUT_MS = 10_000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const euStack = resolveExecutable('eu-stack');
if (!euStack) throw new Error('eu-stack not found on PATH');
const box = tracerBox(TIMEOUT_MS);
if ('error' in box) throw new Error(box.error);
if (!box.prlimit) throw new Error('prlimit not found: the bench measures the box with its limits');

const variants: Record<string, RunOptions> = {
  bare: { timeoutMs: TIMEOUT_MS, maxOutputBytes: 1 << 20, env: { ...CAPTURE_ENV }, processGroup: true },
  boxed: { timeoutMs: TIMEOUT_MS, maxOutputBytes: 1 << 20, box: { ...box, env: CAPTURE_ENV } },
  'boxed, no prlimit': {
    timeoutMs: TIMEOUT_MS,
    maxOutputBytes: 1 << 20,
    box: { ...box, prlimit: null, env: CAPTURE_ENV },
  },
};

/** eu-stack started the cheapest way Node can: no box, no execa; output collected. */
function plainSpawn(
  cmd: string,
  args: string[],
): Promise<{ failed: boolean; stdout: string; cause: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...CAPTURE_ENV } });
    const out: Buffer[] = [];
    c.stdout.on('data', (b: Buffer) => out.push(b));
    c.stderr.resume();
    c.once('close', (code) =>
      resolve({ failed: code !== 0, stdout: Buffer.concat(out).toString('utf8'), cause: `exit ${code}`, stderr: '' }),
    );
  });
}

const run = (name: string, args: string[]) =>
  name === 'plain spawn' ? plainSpawn(euStack, args) : runProgram(euStack, args, variants[name]!);

const d = await startDeadlocker({ hung: 1 });
const names = ['bare', 'plain spawn', 'boxed', 'boxed, no prlimit'];
const times = new Map<string, number[]>(names.map((k) => [k, []]));
try {
  await new Promise((r) => setTimeout(r, 300));
  const args = ['-m', '-p', String(d.pidsOf('hung')[0]!)];
  for (const name of names) await run(name, args); // warm the page cache
  for (let i = 0; i < RUNS; i++) {
    for (const name of names) {
      const t0 = performance.now();
      const r = await run(name, args);
      const ms = performance.now() - t0;
      if (r.failed || !r.stdout.includes('pthread_mutex_lock')) throw new Error(`${name}: ${r.cause} ${r.stderr}`);
      times.get(name)!.push(ms);
    }
  }
} finally {
  await d.stop();
}

const bare = median(times.get('plain spawn')!);
console.log(
  `eu-stack -m -p <hung C child>, ${RUNS} runs per variant, interleaved; ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}\n`,
);
console.log('| variant | runs | p10 ms | median ms | p90 ms | median − plain ms | ratio |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, xs] of times) {
  const m = median(xs);
  console.log(
    `| ${name} | ${xs.length} | ${pct(xs, 10).toFixed(2)} | ${m.toFixed(2)} | ${pct(xs, 90).toFixed(2)} | ${(m - bare).toFixed(2)} | ${(m / bare).toFixed(3)} |`,
  );
}

// The sweep at a deadline: every /proc/*/environ's first 32 KiB read once.
const procs = readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n)).length;
const sweeps: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  findByEnvNonce('TRACER_BOX_ID=none');
  sweeps.push(performance.now() - t0);
}
console.log(
  `\nDeadline sweep of /proc/*/environ (only when a run is killed): median ${median(sweeps).toFixed(2)} ms over ${procs} processes`,
);
