/**
 * GET load on the REAL daemon (node dist/cli/index.js run, after `npm run build`),
 * issue 12 item 8: 200 connections for 30 s on `/` and then on
 * `/api/v1/incidents`, with 1,000 incidents in the store and the suite's
 * deadlocker watched (2 hung children: the page has content). Meanwhile a
 * separate prober process (warmed up by one unmeasured GET before the flood starts) GETs /healthz every 50 ms (2 s timeout) and
 * /proc/PID/status is sampled every 250 ms. Goal: RSS ≤ 100 MB, /healthz p99
 * ≤ 50 ms, no request waiting past its timeout (autocannon's: 10 s).
 * Every connection comes from 127.0.0.1, so the per-client rate limit answers
 * most requests 429 once the second's budget (30) is spent: that is the shipped
 * behaviour under a flood, and the status counts show it.
 * Heap total/used and external: the daemon's own /metrics, every second. SMAPS_AT_MAX=PREFIX saves
 * /proc/PID/smaps at each new RSS high (V8's pages are the 256 KiB anonymous mappings, malloc's [heap]). RSS_LOG=FILE appends
 * every RSS sample (route, ms, RSS, RssAnon); GC_LOG=FILE with --extra-flags=--trace-gc keeps the daemon's GC lines.
 * --gc-stats: the daemon runs with --trace-gc and each row adds what V8 did during the flood: major GCs (mark-compacts)
 * and their longest pause, scavenges, and MB/s promoted into the old space (the heap's growth across scavenges).
 * Run: npm run build && npx tsx bench/http-get-load.ts [--gc-stats] [--seconds 30] [--connections 200] [--incidents 1000] [--paths /,/api/v1/incidents] [--node-flags F1,F2] [--extra-flags F1,F2] [--daemon-env none] [--interval 15s] [--dist DIR] [--bare]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { openStore } from '../src/record/index.js';
import { DAEMON_NODE_FLAGS } from '../src/daemon/node-flags.js';
import { daemonEnvOption } from '../test/helpers/daemon-process.js';
import { startDeadlocker } from '../test/helpers/deadlocker.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    connections: { type: 'string', default: '200' },
    incidents: { type: 'string', default: '1000' },
    interval: { type: 'string', default: '15s' },
    paths: { type: 'string', default: '/,/api/v1/incidents' },
    'extra-flags': { type: 'string', default: '' },
    dist: { type: 'string', default: join(ROOT, 'dist') },
    'node-flags': { type: 'string' },
    'daemon-env': { type: 'string', default: 'on' },
    bare: { type: 'boolean', default: false },
    'gc-stats': { type: 'boolean', default: false },
  },
});
/**
 * The daemon's node flags: src/daemon/node-flags.ts, or --node-flags F1,F2 instead (a before/after pair), plus
 * --extra-flags F1,F2 (experiments). --dist DIR runs another build's dist/ (`git archive OLD | tar -x -C D`, build there).
 */
const NODE_FLAGS = [
  ...(values['node-flags'] === undefined ? DAEMON_NODE_FLAGS : values['node-flags'].split(',')),
  ...values['extra-flags'].split(','),
  ...(values['gc-stats'] ? ['--trace-gc'] : []),
].filter((f) => f !== '');
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const INCIDENTS = Number(values.incidents);
const PROBE_EVERY_MS = 50;
const PROBE_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_S = 10;

function memMb(pid: number): { rss: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (k: string) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 102.4) / 10;
  return { rss: mb('VmRSS'), anon: mb('RssAnon') };
}

/** The prober in its own process: the load generator's event loop must not delay the probes. */
const PROBER = `
const [url, seconds, every, timeout] = process.argv.slice(1);
const out = { ms: [], timeouts: 0, errors: 0 };
// One unmeasured probe before the flood (the parent waits for "ready"): the prober's own first fetch loads
// undici and compiles it (hundreds of ms on a busy host), which is the prober's cost, not the daemon's.
await fetch(url, { signal: AbortSignal.timeout(Number(timeout)) }).then((r) => r.arrayBuffer()).catch(() => null);
process.stdout.write('ready\\n');
const end = Date.now() + Number(seconds) * 1000;
while (Date.now() < end) {
  const t0 = performance.now();
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(Number(timeout)) });
    await r.arrayBuffer();
    if (r.status === 200) out.ms.push(performance.now() - t0); else out.errors++;
  } catch (e) { if (e.name === 'TimeoutError') out.timeouts++; else out.errors++; }
  await new Promise((r) => setTimeout(r, Number(every)));
}
process.stdout.write(JSON.stringify(out));
`;

/** Starts the prober; `ready` resolves once its warm-up probe is done, `result` with its measurements. */
function probe(
  url: string,
  seconds: number,
): { ready: Promise<void>; result: Promise<{ ms: number[]; timeouts: number; errors: number }> } {
  const p = spawn(
    process.execPath,
    ['--input-type=module', '-e', PROBER, url, String(seconds), String(PROBE_EVERY_MS), String(PROBE_TIMEOUT_MS)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let text = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  p.stdout.on('data', (c: Buffer) => {
    text += c.toString();
    if (text.startsWith('ready\n')) onReady();
  });
  const result = new Promise<{ ms: number[]; timeouts: number; errors: number }>((resolve, reject) =>
    p.once('exit', (code) => {
      onReady();
      if (code === 0) resolve(JSON.parse(text.slice('ready\n'.length)));
      else reject(new Error(`prober exited ${code}`));
    }),
  );
  result.catch(() => {}); // awaited after the flood; an early exit must not crash the bench before its cleanup
  return { ready, result };
}

/** V8's heap and the memory outside it (Buffers, ArrayBuffers), from the daemon's own /metrics (prom-client's heapSizeAndUsed). */
async function heapMb(base: string): Promise<{ heapTotal: number; heapUsed: number; external: number } | null> {
  try {
    const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const mb = (name: string) =>
      Math.round(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 104857.6) / 10;
    return {
      heapTotal: mb('nodejs_heap_size_total_bytes'),
      heapUsed: mb('nodejs_heap_size_used_bytes'),
      external: mb('nodejs_external_memory_bytes'),
    };
  } catch {
    return null;
  }
}

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;

/** --bare: the floor, a node:http server answering every path {"ok":true}, run with the same flags and load. */
const BARE_SERVER = `
import http from 'node:http';
const s = http.createServer((q, r) => { r.setHeader('content-type', 'application/json'); r.end('{"ok":true}'); });
s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ listen: { host: '127.0.0.1', port: s.address().port } })));
`;

/** One --trace-gc line: `[pid:0x…]  1234 ms: Scavenge 32.7 (35.6) -> 30.9 (35.9) MB, 0.51 / 0.00 ms …`. */
interface GcEvent {
  /** When the bench read the line (performance.now()): the flood's window is in these units. */
  at: number;
  major: boolean;
  heapAfterMb: number;
  pauseMs: number;
}

function parseGcLine(line: string, at: number): GcEvent | null {
  const m = /ms: (Scavenge|Mark-Compact)\S* [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, ([\d.]+)/.exec(line);
  return m ? { at, major: m[1] === 'Mark-Compact', heapAfterMb: Number(m[2]), pauseMs: Number(m[3]) } : null;
}

/** What V8 did between from and to: major GCs and their longest pause, scavenges, MB/s promoted across scavenges. */
function gcStats(events: GcEvent[], from: number, to: number): string {
  if (!values['gc-stats']) return '– | – | – | –';
  let prev: number | null = null;
  let promoted = 0;
  let scavenges = 0;
  const majors: number[] = [];
  for (const e of events) {
    if (e.at >= from && e.at <= to) {
      if (e.major) majors.push(e.pauseMs);
      else {
        scavenges++;
        if (prev !== null) promoted += Math.max(0, e.heapAfterMb - prev);
      }
    }
    prev = e.heapAfterMb;
  }
  const maxPause = majors.length ? Math.max(...majors).toFixed(0) : '–';
  return `${majors.length} | ${maxPause} | ${scavenges} | ${(promoted / ((to - from) / 1000)).toFixed(2)}`;
}

/** A fresh daemon (store seeded with INCIDENTS incidents) per route: one run's heap does not carry into the next. */
async function startDaemon(
  targetPid: number,
): Promise<{ pid: number; base: string; stop(): void; dir: string; gc: GcEvent[] }> {
  const gc: GcEvent[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-bench-get-'));
  const store = openStore({ stateDir: join(dir, 'state'), host: 'bench', sinks: [] });
  store.observeSuspects(
    Date.now(),
    Array.from({ length: INCIDENTS }, (_, i) => ({
      targetName: 'seeded',
      targetPid: 7,
      targetStartMs: 1_700_000_000_000,
      targetUser: 'jenkins',
      childPid: 10_000 + i,
      childStartMs: 1_700_000_100_000 + i,
    })),
  );
  store.close();
  const config = join(dir, 'forkwatch.yml');
  writeFileSync(
    config,
    `interval: ${values.interval}\nhungAfter: 1s\nstateDir: ${dir}/state\nlisten: { host: 127.0.0.1, port: 0 }\ntargets: [{ name: jenkins, pid: ${targetPid} }]\nlog: { pretty: false, level: info }\n`,
  );
  const args = values.bare
    ? ['--input-type=module', '-e', BARE_SERVER]
    : [join(values.dist, 'cli/index.js'), 'run', '--config', config];
  const d = spawn(process.execPath, [...NODE_FLAGS, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: daemonEnvOption(values['daemon-env']),
  });
  const base = await new Promise<string>((resolve, reject) => {
    d.once('exit', (c) => reject(new Error(`daemon exited ${c}`)));
    createInterface({ input: d.stdout! }).on('line', (line) => {
      // --extra-flags=--trace-gc with GC_LOG=FILE: V8's GC lines (stdout) kept for reading after the run.
      const gcLine = /^\[\d+:0x/.test(line);
      if (process.env.GC_LOG && gcLine) appendFileSync(process.env.GC_LOG, `${line}\n`);
      const e = gcLine ? parseGcLine(line, performance.now()) : null;
      if (e) gc.push(e);
      const m = /"listen":\{"host":"([^"]+)","port":(\d+)\}/.exec(line);
      if (m) resolve(`http://${m[1]}:${m[2]}`);
    });
  });
  await new Promise((r) => setTimeout(r, 3000)); // the first ticks: incidents for the hung children
  return { pid: d.pid!, base, dir, gc, stop: () => void d.kill('SIGKILL') };
}

async function main(): Promise<void> {
  const dl = await startDeadlocker({ hung: 2, exec: true, sleeper: true, threads: 5 });
  const rows = [
    '| route | req/s | 2xx | 429 | 503 | other | timeouts (>10 s) | p50 ms | p99 ms | max ms | idle RSS MB | RSS max MB | RssAnon max MB | heap total / used / external max MB | /healthz probes | /healthz p50 ms | p99 ms | max ms | probe timeouts (>2 s) | major GCs | longest major GC ms | scavenges | promoted MB/s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  process.stdout.write(
    `daemon flags ${NODE_FLAGS.join(' ')}, ${values.dist}\nload average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
  );
  try {
    for (const path of values.paths.split(',')) {
      const d = await startDaemon(dl.pid);
      try {
        const idle = memMb(d.pid);
        let rssMax = 0;
        let anonMax = 0;
        const sampler = setInterval(() => {
          const m = memMb(d.pid);
          if (process.env.SMAPS_AT_MAX && m.rss > rssMax)
            writeFileSync(
              `${process.env.SMAPS_AT_MAX}${path.replace(/\//g, '_')}`,
              readFileSync(`/proc/${d.pid}/smaps`),
            );
          if (process.env.RSS_LOG)
            appendFileSync(process.env.RSS_LOG, `${path} ${Math.round(performance.now())} ${m.rss} ${m.anon}\n`);
          rssMax = Math.max(rssMax, m.rss);
          anonMax = Math.max(anonMax, m.anon);
        }, 250);
        const heap = { total: 0, used: 0, external: 0 };
        const heapSampler = setInterval(
          () =>
            void heapMb(d.base).then((h) => {
              if (!h || Number.isNaN(h.heapTotal)) return;
              heap.total = Math.max(heap.total, h.heapTotal);
              heap.used = Math.max(heap.used, h.heapUsed);
              heap.external = Math.max(heap.external, h.external);
            }),
          1000,
        );
        const prober = probe(`${d.base}/healthz`, SECONDS);
        await prober.ready;
        const floodFrom = performance.now();
        const r = await autocannon({
          url: `${d.base}${path}`,
          connections: CONNECTIONS,
          duration: SECONDS,
          timeout: REQUEST_TIMEOUT_S,
        } as Parameters<typeof autocannon>[0]);
        const p = await prober.result;
        const floodTo = performance.now();
        clearInterval(sampler);
        clearInterval(heapSampler);
        const codes = (r as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats;
        const count = (c: string) => codes[c]?.count ?? 0;
        const total = Object.values(codes).reduce((n, c) => n + c.count, 0);
        const twoxx = Object.entries(codes)
          .filter(([c]) => c.startsWith('2'))
          .reduce((n, [, c]) => n + c.count, 0);
        const timeouts = (r as unknown as { timeouts: number }).timeouts;
        const ms = p.ms.sort((a, b) => a - b);
        rows.push(
          `| \`${path}\` | ${Math.round(r.requests.average)} | ${twoxx} | ${count('429')} | ${count('503')} | ${total - twoxx - count('429') - count('503')} | ${timeouts} | ${r.latency.p50} | ${r.latency.p99} | ${r.latency.max} | ${idle.rss} | ${rssMax} | ${anonMax} | ${heap.total} / ${heap.used} / ${heap.external} | ${ms.length} | ${pct(ms, 0.5).toFixed(1)} | ${pct(ms, 0.99).toFixed(1)} | ${(ms.at(-1) ?? NaN).toFixed(1)} | ${p.timeouts} (errors ${p.errors}) | ${gcStats(d.gc, floodFrom, floodTo)} |`,
        );
        process.stdout.write(`${rows.at(-1)}\n`);
      } finally {
        d.stop();
        rmSync(d.dir, { recursive: true, force: true });
      }
    }
  } finally {
    await dl.stop();
  }
  process.stdout.write(`\n${rows.join('\n')}\n`);
}

await main();
