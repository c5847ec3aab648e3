/**
 * The real daemon (`forkwatch run`) as a child process, for the live tests:
 * its stdout and stderr go to a log file, it is ready when it has logged the
 * address of its API and /healthz answers there.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './alertmanager.js';
import { REPO_ROOT } from './native-build.js';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/daemon/node-flags.js';
import { CLI_ARGS } from './cli-command.js';

/** A literal path as a regex (for target cmdline patterns). */
export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface DaemonProcess {
  pid: number;
  /** Its API, e.g. http://127.0.0.1:41234 (learnt from its log, so `listen.port: 0` works). */
  url: string;
  /** Its output, appended: an earlier run's may stand before it. */
  logFile: string;
  /** This run's JSON log lines so far, parsed. */
  logs(): Record<string, unknown>[];
  /** Resolves with the exit code when the process has exited (null when a signal ended it). */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const READY_MS = 30_000;

function parseLogLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    try {
      const rec: unknown = JSON.parse(line);
      if (rec && typeof rec === 'object') out.push(rec as Record<string, unknown>);
    } catch {
      // not a log line
    }
  }
  return out;
}

/** The URL of the API from the daemon's "forkwatch API on" log line, if it has logged it. */
function findApiUrl(logs: Record<string, unknown>[]): string | null {
  for (const rec of logs) {
    const listen = rec.listen as { host: string; port: number } | undefined;
    if (listen && typeof rec.msg === 'string' && rec.msg.startsWith('forkwatch API on'))
      return `http://${listen.host}:${listen.port}`;
  }
  return null;
}

async function answersHealthz(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false; // not listening yet
  }
}

/**
 * Starts `forkwatch run --config configPath`, output appended to logFile; waits until it is ready (30 s, else kills it and throws).
 * node runs with the daemon's flags and environment (src/daemon/node-flags.ts), as every launcher starts it, unless
 * told otherwise (daemonEnv: false leaves DAEMON_ENV's entries out, even those the test process has).
 */
export async function runDaemon(
  configPath: string,
  logFile: string,
  opts: { nodeFlags?: readonly string[]; daemonEnv?: boolean } = {},
): Promise<DaemonProcess> {
  const fd = openSync(logFile, 'a');
  const from = fstatSync(fd).size;
  const proc = spawn(
    process.execPath,
    [...(opts.nodeFlags ?? DAEMON_NODE_FLAGS), ...CLI_ARGS, 'run', '--config', configPath],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', fd, fd],
      env: withDaemonEnv({ ...process.env, FORKWATCH_CONFIG: '', NODE_OPTIONS: '' }, opts.daemonEnv ?? true),
    },
  );
  closeSync(fd);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  const output = () => readFileSync(logFile).subarray(from).toString('utf8');
  const logs = () => parseLogLines(output());
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!gone()) proc.kill(signal);
    await exited;
  };
  const deadline = Date.now() + READY_MS;
  for (;;) {
    if (gone())
      throw new Error(`forkwatch run exited with ${proc.exitCode ?? proc.signalCode}: ${output().slice(-2000)}`);
    const url = findApiUrl(logs());
    if (url && (await answersHealthz(url))) return { pid: proc.pid!, url, logFile, logs, exited, kill };
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`forkwatch run not healthy within ${READY_MS / 1000} s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes dir/forkwatch.json (JSON is YAML): state in dir/state, API on 127.0.0.1 (port 0: any free one), JSON logs at info; the overrides on top. Returns its path. */
export function writeDaemonConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'forkwatch.json');
  writeFileSync(
    file,
    JSON.stringify({
      stateDir: join(dir, 'state'),
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'info', pretty: false },
      ...config,
    }),
  );
  return file;
}

/** writeDaemonConfig with a port chosen up front and a publicUrl (alert links), then runDaemon logging to dir/logName. */
export async function startDaemonProcess(
  dir: string,
  config: Record<string, unknown>,
  logName = 'daemon.log',
): Promise<DaemonProcess> {
  const port = await freePort();
  const file = writeDaemonConfig(dir, {
    listen: { host: '127.0.0.1', port },
    publicUrl: 'https://forkwatch.example.org',
    ...config,
  });
  return runDaemon(file, join(dir, logName));
}

/** A bench's `--daemon-env on|none`: this process's environment with DAEMON_ENV set, or without it (a before/after pair). */
export function daemonEnvOption(option: string | undefined): NodeJS.ProcessEnv {
  if (option !== 'on' && option !== 'none')
    throw new Error(`--daemon-env must be on or none, got ${JSON.stringify(option)}`);
  return withDaemonEnv(process.env, option === 'on');
}

/** env with the daemon's environment (DAEMON_ENV) set, or with its names removed. */
export function withDaemonEnv(env: NodeJS.ProcessEnv, on = true): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [k, v] of Object.entries(DAEMON_ENV)) {
    if (on) out[k] = v;
    else delete out[k];
  }
  return out;
}
