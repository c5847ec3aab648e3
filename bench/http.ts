/**
 * /metrics and /api/v1/incidents throughput and latency on loopback.
 * Run: npx tsx bench/http.ts [seconds]
 * Run only some servers: npx tsx bench/http.ts 10 cheap,node_exporter
 * For each server (bench/http-server.ts; and Debian's prometheus-node-exporter
 * as a real alternative /metrics endpoint), three runs per route:
 *  - paced: 1,000 req/s spread evenly, open loop (bench/http-load.ts; the goal: p99 < 10 ms);
 *  - autocannon overallRate 1,000 (bursts each second's budget: a queueing test);
 *  - autocannon max: 10 connections as fast as it goes.
 * Prints a markdown table (bench/RESULTS.md "http").
 * Node flags for the forkwatch server process: the daemon's (src/daemon/node-flags.ts) unless
 * BENCH_NODE_FLAGS says otherwise, e.g. BENCH_NODE_FLAGS='' (node's defaults) npx tsx bench/http.ts ...
 */
import { spawn } from 'node:child_process';
import { DAEMON_NODE_FLAGS } from '../src/daemon/node-flags.js';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { runPaced } from './http-load.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.argv[2] ?? 10);
/** Optional comma-separated server modes to run (default: all rows of the plan). */
const ONLY = process.argv[3]?.split(',') ?? null;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A real alternative /metrics endpoint on this host: Debian's prometheus-node-exporter (Go), default collectors. */
async function startNodeExporter() {
  const port = await freePort();
  const proc = spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/metrics`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pid: proc.pid!,
    stop: () =>
      new Promise<void>((r) => {
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      }),
  };
}

async function startServer(mode: string, incidents: number) {
  if (mode === 'node_exporter') return startNodeExporter();
  const v8Flags = (process.env.BENCH_NODE_FLAGS ?? DAEMON_NODE_FLAGS.join(' ')).split(' ').filter(Boolean);
  const proc = spawn(
    process.execPath,
    [...v8Flags, '--import', 'tsx', join(ROOT, 'bench/http-server.ts'), mode, String(incidents)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const m = /^port (\d+)$/.exec(l);
      if (m) resolve(Number(m[1]));
    });
  });
  return {
    port,
    pid: proc.pid!,
    stop: () =>
      new Promise<void>((r) => {
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      }),
  };
}

/** utime+stime of a process and its threads, ms (robust to other load on the host, unlike latency). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function run(url: string, rate: number | null) {
  const r = await autocannon({ url, connections: 10, duration: SECONDS, ...(rate ? { overallRate: rate } : {}) });
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.errors + r.non2xx,
    bytes: Math.round(r.throughput.average / Math.max(1, r.requests.average)),
  };
}

const rows: string[] = [
  '| server | route | load | req/s | p50 ms | p99 ms | max ms | errors | bytes/resp | server CPU µs/req |',
  '|---|---|---|---|---|---|---|---|---|---|',
];
const plan: [string, string][] = [
  ['cheap', '/metrics'],
  ['none', '/metrics'],
  ['all', '/metrics'],
  ['raw', '/metrics'],
  ['node_exporter', '/metrics'],
  ['cheap', '/api/v1/incidents?limit=50'],
];
for (const [mode, route] of plan.filter(([m]) => !ONLY || ONLY.includes(m))) {
  const server = await startServer(mode, 1000);
  try {
    await autocannon({ url: `http://127.0.0.1:${server.port}${route}`, connections: 4, duration: 2 });
    const url = `http://127.0.0.1:${server.port}${route}`;
    const label =
      mode === 'raw'
        ? 'node:http (cheap)'
        : mode === 'node_exporter'
          ? 'prometheus-node-exporter 1.5 (Go)'
          : `fastify, default metrics: ${mode}`;
    // Other tenants of this 2-core host inflate tails: three paced runs, the best and the median p99.
    const paced = [];
    for (let i = 0; i < 3; i++) {
      const c0 = cpuMs(server.pid);
      const p = await runPaced(url, 1000, SECONDS);
      paced.push({ ...p, cpuUsPerReq: Math.round(((cpuMs(server.pid) - c0) * 1000) / Math.max(1, p.ok)) });
    }
    paced.sort((a, b) => a.p99 - b.p99);
    const best = paced[0]!;
    const median = paced[1]!;
    rows.push(
      `| ${label} | ${route} | paced 1000/s ×3 | ${best.achievedRps} | ${best.p50} | ${best.p99} (median ${median.p99}) | ${best.max} | ${paced.reduce((n, p) => n + p.errors, 0)} | | ${median.cpuUsPerReq} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
    for (const rate of [1000, null]) {
      const r = await run(url, rate);
      rows.push(
        `| ${label} | ${route} | ${rate ? `autocannon ${rate}/s` : 'autocannon max'} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.max} | ${r.errors} | ${r.bytes} | |`,
      );
      process.stderr.write(`${rows.at(-1)}\n`);
    }
  } finally {
    await server.stop();
  }
}
process.stdout.write(`${rows.join('\n')}\n`);
