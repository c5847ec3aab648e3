/**
 * forkwatch demo, end to end: build the reproducer, start it, start the real
 * daemon watching it (Slack pointed at a local recorder), make the reproducer
 * fork its deadlocking child once the daemon has found it, and print each
 * stage as the daemon's log and API report it. Ends everything it started,
 * by pid, and removes its temp dir.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import type { Incident } from '../record/types.js';
import { startDemoDaemon, type DemoDaemon, type LogRecord } from './daemon.js';
import { reproducerArgv, startReproducer, type Reproducer, type ReproducerLine } from './reproducer.js';
import {
  isForkRiskWarning,
  showCapture,
  showForkRiskWarning,
  showKernel,
  showOverdue,
  showSignature,
  showSlack,
  showTarget,
  type TargetView,
} from './show.js';
import { freeLoopbackPort, startSlackRecorder, type SlackRecorder } from './slack-recorder.js';
import { chooseToolchain, findOnPath, missingToolchainMessage, type ReproducerKind } from './toolchain.js';

export const EX_UNAVAILABLE = 69;
const HUNG_AFTER_MS = 2000;
const POLL_MS = 200;
const FETCH_TIMEOUT_MS = 3000;

export interface DemoOptions {
  reproducer: ReproducerKind | null;
  remediate: boolean;
  once: boolean;
  timeoutMs: number;
  out: (text: string) => void;
}

interface Progress {
  found: boolean;
  incidentId: string | null;
  kernelShown: boolean;
  capture: LogRecord | null;
  confirmed: boolean;
  slack: boolean;
  movedOn: boolean;
}

interface Running {
  dir: string;
  slack?: SlackRecorder;
  repro?: Reproducer;
  daemon?: DemoDaemon;
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const tool = chooseToolchain(opts.reproducer, process.env.PATH);
  if (!tool) {
    process.stderr.write(missingToolchainMessage(opts.reproducer));
    return EX_UNAVAILABLE;
  }
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-demo-'));
  chmodSync(dir, 0o700);
  mkdirSync(join(dir, 'state'), { mode: 0o700 });
  const running: Running = { dir };
  const stop = { signal: null as NodeJS.Signals | null, wake: () => {} };
  const onSignal = (s: NodeJS.Signals) => {
    stop.signal = s;
    stop.wake();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let code: number;
  try {
    code = await drive(opts, tool, running, stop);
  } catch (err) {
    process.stderr.write(`forkwatch demo: ${(err as Error).message}\n${daemonLogTail(running)}`);
    code = 1;
  } finally {
    await cleanUp(running, opts.out);
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  if (stop.signal) return stop.signal === 'SIGINT' ? 130 : 143;
  return code;
}

async function drive(
  opts: DemoOptions,
  tool: NonNullable<ReturnType<typeof chooseToolchain>>,
  running: Running,
  stop: { signal: NodeJS.Signals | null; wake: () => void },
): Promise<number> {
  const { out } = opts;
  const startedAt = Date.now();
  if (!findOnPath('eu-stack', process.env.PATH) && !findOnPath('gdb', process.env.PATH)) {
    out(
      'note: neither eu-stack nor gdb is installed, so no stack will be captured (apt-get install elfutils); the kernel proof still confirms the hang.\n',
    );
  }
  const p: Progress = {
    found: false,
    incidentId: null,
    kernelShown: false,
    capture: null,
    confirmed: false,
    slack: false,
    movedOn: false,
  };
  let failure: string | null = null;
  // The alert and the kill can land within the confirming tick, before the API calls that show the stages
  // leading to them return: they are shown after those, in this order (Slack, remediation, the parent's lines).
  const afterConfirmed: { rank: number; text: string }[] = [];
  const outAfterConfirmed = (rank: number, text: string) => {
    if (p.confirmed) out(text);
    else afterConfirmed.push({ rank, text });
  };
  let wake: () => void = () => {};
  const waitForChange = () =>
    new Promise<void>((r) => {
      wake = r;
      stop.wake = r;
    });
  const events: Promise<void>[] = [];
  const track = (f: () => Promise<void>) =>
    events.push(
      f()
        .catch((e: unknown) => {
          failure = (e as Error).message;
        })
        .finally(() => wake()),
    );

  running.slack = await startSlackRecorder((msg) => {
    const text = msg.text ?? JSON.stringify(msg);
    // The fork-risk audit (docs/audit.md) rates the reproducer before any child hangs: its one warning is
    // news of its own, not the incident's message.
    if (isForkRiskWarning(text)) return void out(showForkRiskWarning(text));
    p.slack = true;
    outAfterConfirmed(0, showSlack(text));
    wake();
  });
  const argv = await reproducerArgv(tool, running.dir, basename(running.dir));
  running.repro = await startReproducer(argv);
  const repro = running.repro;
  out(
    `reproducer (${tool.kind === 'c' ? `C, built with ${tool.program}` : `Python, ${tool.program}`}): pid ${repro.pid}, a thread holds a lock across fork()\n`,
  );
  let ending = false; // what the reproducer says while the demo ends it is not news
  repro.onLine((l) => {
    if (ending) return;
    if (l.kind === 'forked') out(showReproducerLine(l, tool.kind));
    else outAfterConfirmed(2, showReproducerLine(l, tool.kind));
    if (l.kind === 'forked-again') p.movedOn = true;
    wake();
  });

  const port = await freeLoopbackPort();
  const api = `http://127.0.0.1:${port}`;
  const onLog = (rec: LogRecord) => {
    const msg = rec.msg ?? '';
    if (msg.startsWith('forkwatch API on')) out(`forkwatch daemon: pid ${running.daemon?.pid}, status page ${api}/\n`);
    else if (msg === 'stack capture' && repro.childPids.includes(Number(rec.pid))) p.capture = rec;
    else if (msg === 'incident opened (suspect)') track(async () => onOpened(String(rec.incident)));
    else if (msg === 'incident confirmed') track(async () => onConfirmed(String(rec.incident)));
    else if (msg.startsWith('remediation kill of child') || msg.startsWith('remediation skipped'))
      outAfterConfirmed(1, `remediation: ${msg}\n`);
    else if (typeof rec.level === 'number' && rec.level >= 50) out(`daemon error: ${msg}\n`);
  };
  const onOpened = async (id: string) => {
    p.incidentId = id;
    const i = await getJson<Incident>(`${api}/api/v1/incidents/${encodeURIComponent(id)}`);
    out(showOverdue(i, HUNG_AFTER_MS));
    showKernelOnce(i);
  };
  const showKernelOnce = (i: Incident) => {
    const k = showKernel(i.evidence.kernel ?? []);
    if (k && !p.kernelShown) {
      p.kernelShown = true;
      out(k);
    }
  };
  const onConfirmed = async (id: string) => {
    const i = await getJson<Incident>(`${api}/api/v1/incidents/${encodeURIComponent(id)}`);
    showKernelOnce(i);
    if (p.capture) out(showCapture(p.capture, i));
    out(showSignature(i));
    const onPage = (await getText(`${api}/`)).includes(i.id);
    const page = onPage ? `on the status page: ${api}/` : `not on the status page yet: ${api}/`;
    out(
      `incident ${i.id} confirmed ${((Date.now() - startedAt) / 1000).toFixed(1)} s after the demo started; ${page} (API: ${api}/api/v1/incidents/${i.id})\n`,
    );
    p.confirmed = true;
    for (const { text } of afterConfirmed.splice(0).sort((a, b) => a.rank - b.rank)) out(text);
  };
  running.daemon = startDemoDaemon(
    {
      dir: running.dir,
      reproducerPid: repro.pid,
      reproducerCmdline: repro.cmdline,
      user: userInfo().username,
      port,
      slackUrl: running.slack.url,
      remediate: opts.remediate,
    },
    onLog,
  );
  let daemonExit: number | null | undefined;
  void running.daemon.exited.then((c) => {
    daemonExit = c;
    wake();
  });

  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (stop.signal) {
      ending = true;
      return 0;
    }
    if (failure) throw new Error(failure);
    if (daemonExit !== undefined) throw new Error(`the daemon exited (${daemonExit})`);
    if (!p.found) {
      const t = await findTarget(api);
      if (t) {
        p.found = true;
        out(showTarget(t));
        repro.fork();
      }
    }
    const done = p.confirmed && p.slack && (!opts.remediate || p.movedOn);
    if (opts.once && done) {
      await Promise.all(events);
      ending = true;
      out('forkwatch demo: incident confirmed end to end (--once): stopping\n');
      return 0;
    }
    if (opts.once && Date.now() > deadline) {
      throw new Error(
        `no confirmed incident${opts.remediate ? ' with the parent moving on' : ''} within ${opts.timeoutMs / 1000} s (found target: ${p.found}, incident: ${p.incidentId ?? 'none'}, confirmed: ${p.confirmed}, Slack message: ${p.slack})`,
      );
    }
    await Promise.race([waitForChange(), sleep(p.found ? 1000 : POLL_MS)]);
  }
}

function showReproducerLine(l: ReproducerLine, kind: ReproducerKind): string {
  if (l.kind === 'forked') {
    const how = kind === 'c' ? 'its atfork child handler' : 'the child';
    return `reproducer: forked child ${l.pid}; ${how} now waits for a lock no thread in the child will ever release\n`;
  }
  if (l.kind === 'reaped') return `reproducer: reaped child ${l.pid} (${l.how}): the forking thread is free again\n`;
  return `reproducer: the parent moves on: forked child ${l.pid}, which exec'd true (${l.how})\n`;
}

async function findTarget(api: string): Promise<TargetView | null> {
  try {
    const body = await getJson<{ targets: TargetView[] }>(`${api}/api/v1/targets`);
    return body.targets.find((t) => t.name === 'demo' && t.found) ?? null;
  } catch {
    return null; // not listening yet
  }
}

async function getText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.text();
}

async function getJson<T>(url: string): Promise<T> {
  return JSON.parse(await getText(url)) as T;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Ends what the demo started, by pid: the reproducer's children and itself, the daemon, the Slack stand-in; removes the temp dir. */
async function cleanUp(r: Running, out: (text: string) => void): Promise<void> {
  const pids: number[] = [];
  if (r.repro) {
    pids.push(r.repro.pid, ...r.repro.alivePids());
    await r.repro.stop();
  }
  if (r.daemon) {
    pids.push(r.daemon.pid);
    await r.daemon.stop();
  }
  if (r.slack) await r.slack.close();
  rmSync(r.dir, { recursive: true, force: true });
  out(`cleaned up: ended pids ${pids.join(', ') || 'none'}, removed ${r.dir}\n`);
}

/** The daemon's last log lines (but its per-tick ones), for a failure message: its log goes with the temp dir. */
function daemonLogTail(r: Running): string {
  if (!r.daemon) return '';
  try {
    const lines = readFileSync(r.daemon.logFile, 'utf8')
      .split('\n')
      .filter((l) => l && !l.includes('"tick done"'));
    return `the daemon's last log lines:\n${lines
      .slice(-15)
      .map((l) => `  ${l.slice(0, 600)}`)
      .join('\n')}\n`;
  } catch {
    return '';
  }
}
