/**
 * Parse + match cost: the shipped library's load, one hung child's gdb dump,
 * and, for every stack format including the lenient fallback, a JVM-sized
 * dump of ~1 MiB (the capture output cap) in that format's own shape.
 * The budget is 100 ms per 1 MiB dump (issue 13); the run exits 1 when a
 * format's median is over it. Both wall-clock and CPU time (process.cpuUsage,
 * this process's threads) are shown: on a shared, loaded machine wall time
 * includes waiting for a core, so the budget is judged on CPU time.
 *
 * The alternative, measured in the same runs (each run: forkwatch, then it):
 * GNU grep searching the same dump, saved to a file, for the lock waits an
 * engineer looks for by hand (`grep -cE`, process start included). The ratio
 * of the wall medians says what naming the hang costs over finding the words,
 * on whatever the machine is doing at the time.
 *   npx tsx bench/parse-match.ts [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseStack, STACK_FORMATS } from '../src/capture/parse/index.js';
import type { StackFormat } from '../src/capture/types.js';
import { loadSignatures, matchSignatures } from '../src/match/index.js';

const BUDGET_MS = 100;
const TARGET_BYTES = 1024 * 1024;
const FRAMES = 60;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Number(values.runs);

const t0 = performance.now();
const lib = loadSignatures().signatures;
const loadMs = performance.now() - t0;

const hex = (n: number): string => (0x7fee455e9df2 + n * 0x40).toString(16).padStart(16, '0');

/** One thread (number t) of FRAMES frames, as each tool prints it; the deadlock's frames on top. */
const THREAD: Record<StackFormat, (t: number) => string> = {
  'eu-stack': (t) =>
    `TID ${t}:\n` + frames((i, fn) => `#${i}  0x${hex(i)} ${fn} - /usr/lib/x86_64-linux-gnu/libc.so.6\n`),
  gdb: (t) =>
    `    (gdb) \n    Thread ${t} (Thread 0x7f (LWP ${t}) "x"):\n` +
    frames((i, fn) => `    #${i}  0x${hex(i)} in ${fn} (a=1) at f.c:${i}\n        local = ${i}\n`),
  lldb: (t) =>
    `  thread #${t}, name = 'java'\n` +
    frames((i, fn) => `    frame #${i}: 0x${hex(i)} libjvm.so\`${fn}(a=1) at f.c:${i}:3\n`),
  'gdb-info': (t) =>
    `(gdb) info line *0x${hex(t)}\n` +
    frames(
      (i, fn) =>
        `Line ${i} of "f.c" starts at address 0x${hex(i)} <${fn}+12> and ends at 0x${hex(i + 1)} <${fn}+20>.\n`,
    ),
  hotspot: (t) =>
    `----------------- ${t} -----------------\n"worker-${t}" #${t} prio=5 tid=0x00007f nid=0x${t.toString(16)} runnable\n` +
    frames((i, fn) => `0x${hex(i)}\t${fn} + 0x1c\n`),
  pstack: (t) =>
    `-----------------  lwp# ${t} / thread# ${t}  --------------------\n` +
    frames((i, fn) => ` fee92ae9 ${fn} (0, 0, 0) + 1c\n`),
  mdb: (t) => `stack pointer for thread ${t}: 8046c98\n` + frames((i, fn) => `libc.so.1\`${fn}+0x1c(0, 0, 0)\n`),
  'macos-sample': (t) =>
    `    ${t} Thread_${t}\n` +
    frames((i, fn) => `    +${'  '.repeat(FRAMES - 1 - i)} ${t} ${fn}  (in libjvm.dylib) + 28  [0x${hex(i)}]\n`)
      .split('\n')
      .reverse()
      .join('\n') +
    '\n',
  debuggerd: (t) =>
    `"worker-${t}" sysTid=${t}\n` +
    frames(
      (i, fn) =>
        `  #${String(i).padStart(2, '0')} pc ${hex(i)}  /apex/com.android.art/lib64/libart.so (${fn}+28) (BuildId: 4c1a7e2f9b3d5e6a)\n`,
    ) +
    '\n',
  dbx: (t) =>
    `current thread: t@${t}\n` +
    frames((i, fn) => `${i === 0 ? '=>' : '  '}[${i + 1}] ${fn}(0x0, 0x8061b28), at 0x${hex(i)}\n`),
  jstack: (t) =>
    `"worker-${t}" #${t} daemon prio=5 os_prio=0 cpu=3.10ms elapsed=9.81s tid=0x00007f6e6c0ecdc0 nid=0x${t.toString(16)} runnable  [0x00007f6e1eafd000]\n   java.lang.Thread.State: RUNNABLE\n` +
    frames((i, fn) => `\tat pkg.Klass${i}.${fn}(java.base@17.0.9/Klass${i}.java:${i + 10})\n`) +
    '\n',
  lenient: (t) => `Thread ${t} (stuck):\n` + frames((i, fn) => `${i}   libjvm.so   0x${hex(i)} ${fn} + 452\n`) + '\n',
};

function frames(line: (i: number, fn: string) => string): string {
  const top = ['__lll_lock_wait_private', 'malloc', 'opendir', 'closeDescriptors', 'childProcess'];
  return Array.from({ length: FRAMES }, (_, i) => line(i, top[i] ?? `java_frame_${i}`)).join('');
}

function dumpOf(format: StackFormat): string {
  let out = '';
  for (let t = 1; out.length < TARGET_BYTES; t++) out += THREAD[format](t);
  return out.slice(0, out.lastIndexOf('\n', TARGET_BYTES) + 1);
}

interface Timing {
  wall: number[];
  cpu: number[];
  /** grep's wall time on the same dump, one per run (empty when not asked). */
  grep: number[];
}

const GREP_PATTERN = 'lll_lock_wait|pthread_mutex_lock|futex_wait|lwp_park|mutex_lock|psynch_mutexwait';
const scratch = mkdtempSync(join(tmpdir(), 'forkwatch-bench-'));

/** One run of grep over the dump file: its wall time in ms (grep exits 1 when nothing matches). */
function grepOnce(file: string): number {
  const started = performance.now();
  try {
    execFileSync('grep', ['-cE', GREP_PATTERN, file], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
  } catch (err) {
    if ((err as { status?: number }).status !== 1) throw err;
  }
  return performance.now() - started;
}

function timings(text: string, format: StackFormat | undefined, n: number, grepFile?: string): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  const grep: number[] = [];
  for (let i = 0; i < n; i++) {
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    matchSignatures(parseStack(text, format).threads, lib);
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000);
    if (grepFile) grep.push(grepOnce(grepFile));
  }
  const up = (a: number, b: number): number => a - b;
  return { wall: wall.sort(up), cpu: cpu.sort(up), grep: grep.sort(up) };
}

const median = (ms: number[]): number => ms[Math.floor(ms.length / 2)]!;

const hung = readFileSync(new URL('../test/fixtures/stacks/gdb/linux-hung.txt', import.meta.url), 'utf8');
const hungUs = median(timings(hung, undefined, 2000).cpu) * 1000;
console.log(`library load (${lib.length} signatures): ${loadMs.toFixed(1)} ms`);
console.log(`hung child (gdb, 10 frames) parse+match: ${hungUs.toFixed(0)} µs CPU (median)`);
console.log(
  `\n| format | dump | threads × frames parsed | detected as | CPU median ms | CPU max ms | wall median ms | wall max ms | grep -cE wall median ms | wall ratio forkwatch/grep |\n|---|---|---|---|---|---|---|---|---|---|`,
);
/**
 * The worst case for the demangler: JDK 8's jstack -m prints libjvm's names
 * mangled, and here no two frames share one (real dumps repeat a few hundred
 * names, which the normalizer works out once each).
 */
function mangledHotspotDump(): string {
  const name = (t: number, i: number): string => {
    const cls = `Klass${t}x${i}`;
    return `_ZN${cls.length}${cls}12oops_do_implEP11OopClosureP14CodeBlobClosurei`;
  };
  let out = '';
  for (let t = 1; out.length < TARGET_BYTES; t++) {
    out += `----------------- ${t} -----------------\n"worker-${t}" #${t} prio=5 tid=0x00007f nid=0x${t.toString(16)} runnable\n`;
    for (let i = 0; i < FRAMES; i++) out += `0x${hex(i)}\t${name(t, i)} + 0x1c\n`;
  }
  return out.slice(0, out.lastIndexOf('\n', TARGET_BYTES) + 1);
}

const DUMPS: { label: string; text: string }[] = [
  ...STACK_FORMATS.map((format) => ({ label: format, text: dumpOf(format) })),
  { label: 'hotspot, mangled, all unique', text: mangledHotspotDump() },
];

let over = 0;
for (const { label, text } of DUMPS) {
  const parsed = parseStack(text);
  const file = join(scratch, 'dump.txt');
  writeFileSync(file, text);
  timings(text, undefined, 2, file); // warm-up
  const { wall, cpu, grep } = timings(text, undefined, RUNS, file);
  if (median(cpu) > BUDGET_MS) over++;
  const withFrames = parsed.threads.filter((t) => t.frames.length > 0);
  const shape = `${withFrames.length} × ${withFrames[0]?.frames.length ?? 0}`;
  const cells = [median(cpu), cpu.at(-1)!, median(wall), wall.at(-1)!, median(grep), median(wall) / median(grep)]
    .map((x) => x.toFixed(1))
    .join(' | ');
  console.log(
    `| ${label} | ${(text.length / 1024).toFixed(0)} KiB | ${shape} | ${parsed.format} | ${cells} |${median(cpu) > BUDGET_MS ? ' OVER BUDGET' : ''}`,
  );
}
console.log(
  `\nbudget: ${BUDGET_MS} ms CPU per 1 MiB dump, parse (auto-detected) + match; ${over} format(s) over; load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
);
rmSync(scratch, { recursive: true, force: true });
process.exitCode = over > 0 ? 1 : 0;
