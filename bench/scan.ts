/**
 * Cost of one forkwatch scan with 1,000 / 5,000 / 10,000 unrelated processes
 * on the host, against `ps -eo pid,ppid,etimes,stat,nlwp,comm,args` timed in
 * the same run, and the discovery scan (every process read) against a C
 * baseline that reads the same files for every pid (bench/scan-baseline.c:
 * stat and cmdline, one open/read/close each). The target is the suite's deadlocked C program (2 hung
 * children, a sleeper); the unrelated processes are idle forks of
 * bench/scan-spawner.c, removed by process group afterwards.
 *
 *   npx tsx bench/scan.ts [--counts 1000,5000,10000] [--runs 20] [--compare DIR] [--warmup 10000]
 *
 * --warmup N: before a row's timed discoveries, untimed discoveries (and as
 * many untimed C passes) until about N processes have been read, at least
 * one. V8 compiles the discovery's code as it runs (TurboFan, on background
 * threads whose CPU time counts here) and recompiles it after a deopt: that
 * takes some 10,000 process reads, one discovery at 10,000 processes but
 * ten at 1,000, so without this the first row (1,000) timed the compiler
 * in its first timed discoveries while later rows ran compiled code (and the
 * C baseline was compiled by gcc before the run). Rows then compare code in
 * the state the daemon runs it, a discovery every rediscoverInterval; the
 * cold column keeps the first discovery of each row. --warmup 0 times as
 * before (one untimed cold discovery).
 *
 * --compare DIR: another checkout's src (e.g. an older commit unpacked with
 * `git archive COMMIT src | tar -x -C DIR`) whose discovery is timed in the
 * same rounds, for a before/after under the same load.
 *
 * Prints a Markdown table for bench/RESULTS.md ("scan" section). Steady state
 * = a scan between rediscoveries (the target and its descendants only);
 * discovery = the first scan of a new scanner (every process read): the very
 * first (cold: getconf CLK_TCK, JIT) and the median of --runs/2 more, each
 * interleaved with a C baseline pass; wall and CPU (user + system) time, as
 * other work on a shared host stretches wall time but not CPU time. Medians of --runs runs (ps: of
 * runs/4), interleaved so load from others hits all alike.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
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
const COMPARE = arg('--compare', '');
const WARMUP_READS = Number(arg('--warmup', '10000'));
type CreateScanner = typeof createScanner;
const compareScanner: CreateScanner | null = COMPARE
  ? // The coordinator moved from src/classify/ to src/stages/ (issue 14): a checkout from before has the old path.
    (
      (await import(
        resolve(
          COMPARE,
          existsSync(resolve(COMPARE, 'src/stages/scanner.ts')) ? 'src/stages/scanner.ts' : 'src/classify/scanner.ts',
        )
      )) as { createScanner: CreateScanner }
    ).createScanner
  : null;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function buildC(name: string): string {
  const out = join(REPO_ROOT, '.tmp/bench', name);
  mkdirSync(join(REPO_ROOT, '.tmp/bench'), { recursive: true });
  execFileSync('gcc', ['-O2', '-o', out, join(REPO_ROOT, `bench/${name}.c`)]);
  return out;
}

/** Wall and CPU (user + system) time of one run, ms. */
interface Cost {
  wall: number;
  cpu: number;
}

/** One pass of the C baseline over /proc: its own cost of reading every pid's stat and cmdline. */
function baselinePass(baseline: string): Cost {
  const out = execFileSync(baseline, ['/proc', '1'], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [wall, , cpu] = out.trim().split(' ').map(Number);
  return { wall: wall!, cpu: cpu! };
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

/** One discovery: the first scan of a new scanner (every process read). */
async function timeDiscovery(create: CreateScanner, config: Parameters<CreateScanner>[0]): Promise<Cost> {
  const scanner = create(config);
  const t = performance.now();
  const c = process.cpuUsage();
  await scanner.scan();
  const used = process.cpuUsage(c);
  return { wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
}

/** "wall / cpu" medians of a list of costs. */
function medians(xs: Cost[]): Cost {
  return { wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) };
}

function cell(x: Cost): string {
  return `${x.wall.toFixed(1)} / ${x.cpu.toFixed(1)}`;
}

async function measure(total: number, spawner: string, floorProgram: string, targetPid: number): Promise<string> {
  const baseline = countProcesses();
  const group = await spawnUnrelated(spawner, total - baseline);
  try {
    const present = countProcesses();
    const config = resolveConfig({
      targets: [{ name: 'bench', pid: targetPid }],
      rediscoverInterval: '1h',
      source: 'procfs',
    });
    const scanner = createScanner(config);
    const t0 = performance.now();
    const first = await scanner.scan();
    const coldMs = performance.now() - t0;
    const discoveries: Cost[] = [];
    const before: Cost[] = [];
    const floors: Cost[] = [];
    if (compareScanner) await compareScanner(config).scan(); // its cold first scan, not counted
    // Untimed, alike for all three: see --warmup.
    for (let i = 1; i < Math.ceil(WARMUP_READS / first.stats.processesRead); i++) {
      await createScanner(config).scan();
      baselinePass(floorProgram);
      if (compareScanner) await compareScanner(config).scan();
    }
    for (let i = 0; i < Math.max(3, RUNS / 2); i++) {
      discoveries.push(await timeDiscovery(createScanner, config));
      floors.push(baselinePass(floorProgram));
      if (compareScanner) before.push(await timeDiscovery(compareScanner, config));
    }
    const discovery = medians(discoveries);
    const floor = medians(floors);
    const ratio = (x: Cost) => `${(x.wall / floor.wall).toFixed(2)}x / ${(x.cpu / floor.cpu).toFixed(2)}x`;
    const beforeCells = compareScanner ? ` ${cell(medians(before))} | ${ratio(medians(before))} |` : '';
    for (let i = 0; i < 5; i++) await scanner.scan(); // warm-up: JIT, page cache
    const steady: number[] = [];
    const psRuns: number[] = [];
    let read = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = await scanner.scan();
      steady.push(performance.now() - t);
      read = r.stats.processesRead;
      if (r.stats.mode !== 'targeted' || r.children.length !== first.children.length)
        throw new Error('steady scan was not targeted');
      if (i % 4 === 0) {
        const ps = await runProgram('ps', ['-eo', 'pid,ppid,etimes,stat,nlwp,comm,args'], {
          timeoutMs: 60_000,
          maxOutputBytes: 64 << 20,
        });
        if (ps.failed) throw new Error(`ps failed: ${ps.cause}`);
        psRuns.push(ps.durationMs);
      }
    }
    const s = median(steady);
    const ps = median(psRuns);
    return `| ${present} | ${coldMs.toFixed(1)} | ${cell(discovery)} | ${cell(floor)} | ${ratio(discovery)} |${beforeCells} ${s.toFixed(2)} | ${read} | ${ps.toFixed(1)} | ${(ps / s).toFixed(0)}x |`;
  } finally {
    await killGroup(group, baseline);
  }
}

const spawner = buildC('scan-spawner');
const baseline = buildC('scan-baseline');
const d = await startDeadlocker({ hung: 2, sleeper: true });
try {
  console.log(
    `host: ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, node ${process.version}, runs ${RUNS}, warm-up ${WARMUP_READS} process reads`,
  );
  const beforeHead = compareScanner ? ` discovery of ${COMPARE}, wall / CPU (ms) | ${COMPARE} / C |` : '';
  console.log(
    `| processes on host | first discovery, cold (ms) | discovery, wall / CPU (ms) | C baseline, wall / CPU (ms) | discovery / C |${beforeHead} steady-state scan, median (ms) | processes read per steady scan | \`ps -eo ...\` median (ms) | ps / steady |`,
  );
  console.log(`|---:|---:|---:|---:|---:|${compareScanner ? '---:|---:|' : ''}---:|---:|---:|---:|`);
  for (const n of COUNTS) console.log(await measure(n, spawner, baseline, d.pid));
  console.log(
    `load after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await d.stop();
}
