/**
 * Daemon cost: steady RSS and CPU per tick of the REAL daemon (node
 * dist/cli/index.js run, after `npm run build`) watching the suite's deadlocked C
 * program (2 hung children + decoys), at idle and with N extra processes on
 * the host (`sleep` processes, not descendants of the target).
 * Run: npm run build && npx tsx bench/daemon.ts [--interval 15s] [--window 90] [--extra 10000] [--sinks] [--series FILE] [--scrape 15] [--rediscover 60s] [--node-options '--max-semi-space-size=1' | --node-options none] [--daemon-env none]
 * node runs with the daemon's flags (src/daemon/node-flags.ts) unless
 * --node-options says otherwise ("none": node's defaults), and with the
 * daemon's environment (DAEMON_ENV) unless --daemon-env none. --sinks configures
 * Slack and Alertmanager (loopback stand-ins that answer 200), so the alert
 * path's memory (HTTP client, TLS-free here) is in the figure, as in production.
 * --series FILE appends "second VmRSS RssAnon RssFile" (MB) per sample.
 * --scrape S: GET /metrics every S seconds of the window, as Prometheus does
 * (default 15 s, stricter than the deploy files' 30 s; 0: never). Rendering a
 * scrape allocates, so a never-scraped daemon reads lower than a real one.
 * --rediscover D: the full discovery scan's period (default 60s, the
 * daemon's); shorter runs a long-term test in minutes.
 * CPU is the daemon's own utime+stime (/proc/PID/stat) over the window, so
 * other load on the host slows ticks but does not inflate the figure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startDeadlocker } from '../test/helpers/deadlocker.js';
import { startSlackStandin } from '../test/helpers/slack-standin.js';
import { DAEMON_NODE_FLAGS } from '../src/daemon/node-flags.js';
import { daemonEnvOption } from '../test/helpers/daemon-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    interval: { type: 'string', default: '15s' },
    window: { type: 'string', default: '90' },
    extra: { type: 'string', default: '0' },
    sinks: { type: 'boolean', default: false },
    series: { type: 'string' },
    scrape: { type: 'string', default: '15' },
    rediscover: { type: 'string', default: '60s' },
    'node-options': { type: 'string', default: DAEMON_NODE_FLAGS.join(' ') },
    'daemon-env': { type: 'string', default: 'on' },
  },
});
const WINDOW_S = Number(values.window);
const EXTRA = Number(values.extra);
const SCRAPE_S = Number(values.scrape);
const CLK_TCK = 100;

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** VmRSS, RssAnon, RssFile in MB (VmRSS is the figure; --series records all three). */
function rssParts(pid: number): [number, number, number] {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (k: string) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 102.4) / 10;
  return [mb('VmRSS'), mb('RssAnon'), mb('RssFile')];
}

const rssMb = (pid: number): number => rssParts(pid)[0];

function processCount(): number {
  return readFileSync('/proc/loadavg', 'utf8').split(' ')[3]!.split('/').map(Number)[1]!;
}

/** The shell's own children (its sleeps): counting the host's processes instead raced with an earlier run's sleeps still exiting. */
function childCount(pid: number): number {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).length;
  } catch {
    return 0;
  }
}

async function spawnSleeps(n: number): Promise<ChildProcess | null> {
  if (n === 0) return null;
  const sh = spawn('sh', ['-c', `i=0; while [ $i -lt ${n} ]; do sleep 3600 & i=$((i+1)); done; wait`], {
    detached: true,
    stdio: 'ignore',
  });
  while (childCount(sh.pid!) < n) {
    if (sh.exitCode !== null)
      throw new Error(`the sleep spawner exited ${sh.exitCode} with ${childCount(sh.pid!)} of ${n}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return sh;
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

async function main() {
  const dl = await startDeadlocker({ hung: 2, exec: true, busy: true, sleeper: true, accepter: true, zombie: true });
  const sleeps = await spawnSleeps(EXTRA);
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-bench-daemon-'));
  const config = join(dir, 'c.yaml');
  const standin = values.sinks ? await startSlackStandin() : null;
  const sinks = standin
    ? `alerts: { slack: { webhookUrl: '${standin.url}' }, alertmanager: { urls: ['http://127.0.0.1:${standin.port}/api/v2/alerts'] } }\n`
    : '';
  writeFileSync(
    config,
    `interval: ${values.interval}\nrediscoverInterval: ${values.rediscover}\nhungAfter: 1s\nstateDir: ${dir}/state\nlisten: { port: 0 }\ntargets: [{ name: jenkins, pid: ${dl.pid} }]\nlog: { pretty: false, level: info }\n${sinks}`,
  );
  // V8 flags on node's command line (NODE_OPTIONS refuses some, e.g. --optimize-for-size).
  const flags = values['node-options'] === 'none' ? [] : values['node-options'].split(' ').filter(Boolean);
  const d = spawn(process.execPath, [...flags, join(ROOT, 'dist/cli/index.js'), 'run', '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: daemonEnvOption(values['daemon-env']),
  });
  try {
    const base = await waitForListen(d);
    const m0 = await (await fetch(`${base}/metrics`)).text();
    await new Promise((r) => setTimeout(r, 5000)); // first ticks: capture + confirm the hung children
    const scans0 = metric(await (await fetch(`${base}/metrics`)).text(), 'forkwatch_scans_total{outcome="ok"}');
    const cpu0 = cpuMs(d.pid!);
    const rss: number[] = [];
    for (let s = 0; s < WINDOW_S; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      if (SCRAPE_S > 0 && (s + 1) % SCRAPE_S === 0) await (await fetch(`${base}/metrics`)).text();
      const parts = rssParts(d.pid!); // one read of /proc/PID/status per sample
      rss.push(parts[0]);
      if (values.series) appendFileSync(values.series, `${s + 1}\t${parts.join('\t')}\n`);
    }
    const rssSeq = [...rss];
    rss.sort((a, b) => a - b);
    const cpu1 = cpuMs(d.pid!);
    const m1 = await (await fetch(`${base}/metrics`)).text();
    const scans = metric(m1, 'forkwatch_scans_total{outcome="ok"}') - scans0;
    const durSum = metric(m1, 'forkwatch_scan_duration_seconds_sum');
    const durCount = metric(m1, 'forkwatch_scan_duration_seconds_count');
    const result = {
      interval: values.interval,
      nodeOptions: values['node-options'],
      sinks: values.sinks,
      scrapeS: SCRAPE_S,
      alertRequests: standin?.requests.length ?? 0,
      extraProcesses: EXTRA,
      hostProcesses: processCount(),
      windowS: WINDOW_S,
      ticks: scans,
      cpuMsTotal: cpu1 - cpu0,
      cpuMsPerTick: Math.round(((cpu1 - cpu0) / Math.max(1, scans)) * 10) / 10,
      cpuPercentOfOneCore: Math.round(((cpu1 - cpu0) / (WINDOW_S * 1000)) * 10000) / 100,
      rssMbMedian: rss[Math.floor(rss.length / 2)],
      rssMbMax: rss.at(-1),
      rssMbEnd: rssMb(d.pid!),
      rssMbFirstMinuteMedian: rssSeq.slice(0, 60).sort((a, b) => a - b)[Math.floor(Math.min(60, rssSeq.length) / 2)],
      rssMbLastMinuteMedian: rssSeq.slice(-60).sort((a, b) => a - b)[Math.floor(Math.min(60, rssSeq.length) / 2)],
      meanTickMs: Math.round((durSum / durCount) * 10000) / 10,
      hungConfirmed: metric(m1, 'forkwatch_hung_children'),
      metricsBytes: m0.length,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    d.kill('SIGTERM');
    await dl.stop();
    await standin?.close();
    if (sleeps?.pid) process.kill(-sleeps.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function waitForListen(d: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    d.once('exit', (c) => reject(new Error(`daemon exited ${c}`)));
    createInterface({ input: d.stdout! }).on('line', (line) => {
      const m = /"listen":\{"host":"([^"]+)","port":(\d+)\}/.exec(line);
      if (m) resolve(`http://${m[1]}:${m[2]}`);
    });
  });
}

await main();
