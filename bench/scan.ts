/**
 * Cost of one forkwatch scan with 1,000 / 5,000 / 10,000 unrelated processes
 * on the host, against `ps -eo pid,ppid,etimes,stat,nlwp,comm,args` timed in
 * the same run. The target is the suite's deadlocked C program (2 hung
 * children, a sleeper); the unrelated processes are idle forks of
 * bench/scan-spawner.c, removed by process group afterwards.
 *
 *   npx tsx bench/scan.ts [--counts 1000,5000,10000] [--runs 20]
 *
 * Prints a Markdown table for bench/RESULTS.md ("scan" section). Steady state
 * = a scan between rediscoveries (the target and its descendants only);
 * discovery = the first scan (every process read). Medians of --runs runs
 * (ps: of runs/4), interleaved so load from others hits all alike.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createScanner } from '../src/stages/scanner.js';
import { resolveConfig } from '../src/config/load.js';
import { runProgram } from '../src/util/run-program.js';
import { startDeadlocker } from '../test/helpers/deadlocker.js';
import { REPO_ROOT } from '../test/helpers/native-build.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
}
const COUNTS = arg('--counts', '1000,5000,10000').split(',').map(Number);
const RUNS = Number(arg('--runs', '20'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function buildSpawner(): string {
  const out = join(REPO_ROOT, '.tmp/bench/scan-spawner');
  mkdirSync(join(REPO_ROOT, '.tmp/bench'), { recursive: true });
  execFileSync('gcc', ['-O1', '-o', out, join(REPO_ROOT, 'bench/scan-spawner.c')]);
  return out;
}

function countProcesses(): number {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
}

/** Fork idle processes until the host has about `total`; returns the spawner's pid (its group). */
async function spawnUnrelated(spawner: string, n: number): Promise<number | null> {
  if (n <= 0) return null;
  const p = spawn(spawner, [String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    p.once('exit', (code) => reject(new Error(`spawner exited ${code}`)));
    createInterface({ input: p.stdout! }).once('line', () => resolve());
  });
  p.removeAllListeners('exit');
  return p.pid!;
}

/** SIGKILL the spawner's group, then wait until the host is back near `baseline` (reaped). */
async function killGroup(pgid: number | null, baseline: number): Promise<void> {
  if (pgid === null) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* gone */
  }
  for (let i = 0; i < 120 && countProcesses() > baseline + 100; i++) await new Promise((r) => setTimeout(r, 250));
}

async function measure(total: number, spawner: string, targetPid: number): Promise<string> {
  const baseline = countProcesses();
  const group = await spawnUnrelated(spawner, total - baseline);
  try {
    const present = countProcesses();
    const config = resolveConfig({ targets: [{ name: 'bench', pid: targetPid }], rediscoverInterval: '1h', source: 'procfs' });
    const scanner = createScanner(config);
    const t0 = performance.now();
    const first = await scanner.scan();
    const discoveryMs = performance.now() - t0;
    for (let i = 0; i < 5; i++) await scanner.scan(); // warm-up: JIT, page cache
    const steady: number[] = [];
    const psRuns: number[] = [];
    let read = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = await scanner.scan();
      steady.push(performance.now() - t);
      read = r.stats.processesRead;
      if (r.stats.mode !== 'targeted' || r.children.length !== first.children.length) throw new Error('steady scan was not targeted');
      if (i % 4 === 0) {
        const ps = await runProgram('ps', ['-eo', 'pid,ppid,etimes,stat,nlwp,comm,args'], { timeoutMs: 60_000, maxOutputBytes: 64 << 20 });
        if (ps.failed) throw new Error(`ps failed: ${ps.cause}`);
        psRuns.push(ps.durationMs);
      }
    }
    const s = median(steady);
    const ps = median(psRuns);
    return `| ${present} | ${discoveryMs.toFixed(1)} | ${s.toFixed(2)} | ${read} | ${ps.toFixed(1)} | ${(ps / s).toFixed(0)}x |`;
  } finally {
    await killGroup(group, baseline);
  }
}

const spawner = buildSpawner();
const d = await startDeadlocker({ hung: 2, sleeper: true });
try {
  console.log(`host: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}, runs ${RUNS}`);
  console.log('| processes on host | discovery scan (ms) | steady-state scan, median (ms) | processes read per steady scan | `ps -eo ...` median (ms) | ps / steady |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const n of COUNTS) console.log(await measure(n, spawner, d.pid));
} finally {
  await d.stop();
}
