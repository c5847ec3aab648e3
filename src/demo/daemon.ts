/**
 * The real daemon (`dist/cli/index.js run`, with the shipped node flags) as the
 * demo's child process. Its JSON log lines (pino) are parsed and handed to
 * the demo as they come; all its output is also kept in the demo's temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../daemon/node-flags.js';
import { stopChild } from '../util/stop-child.js';

export const DIST_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli/index.js');
const MAX_LINE = 64 * 1024;

export type LogRecord = Record<string, unknown> & { msg?: string };

export interface DemoDaemon {
  pid: number;
  logFile: string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface DemoDaemonConfig {
  dir: string;
  reproducerPid: number;
  reproducerCmdline: string;
  user: string;
  port: number;
  slackUrl: string;
  remediate: boolean;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The config the demo's daemon runs with: one target (exact pid, cmdline and user), short hungAfter and interval. */
export function demoConfig(c: DemoDaemonConfig): Record<string, unknown> {
  return {
    targets: [
      {
        name: 'demo',
        pid: c.reproducerPid,
        cmdline: `^${escapeRegex(c.reproducerCmdline)}$`,
        user: `^${escapeRegex(c.user)}$`,
      },
    ],
    hungAfter: '2s',
    interval: '1s',
    rediscoverInterval: '1s',
    stateDir: join(c.dir, 'state'),
    listen: { host: '127.0.0.1', port: c.port },
    publicUrl: `http://127.0.0.1:${c.port}`,
    alerts: { slack: { webhookUrl: c.slackUrl, timeout: '2s' } },
    remediation: { mode: c.remediate ? 'kill' : 'off' },
    log: { level: 'debug', pretty: false },
  };
}

export function startDemoDaemon(c: DemoDaemonConfig, onLog: (rec: LogRecord) => void): DemoDaemon {
  if (!existsSync(DIST_CLI)) throw new Error(`${DIST_CLI} is missing: run "npm run build" first`);
  const configFile = join(c.dir, 'forkwatch-demo.json');
  writeFileSync(configFile, JSON.stringify(demoConfig(c), null, 2), { mode: 0o600 });
  const logFile = join(c.dir, 'daemon.log');
  const log = createWriteStream(logFile, { mode: 0o600 });
  const proc: ChildProcess = spawn(process.execPath, [...DAEMON_NODE_FLAGS, DIST_CLI, 'run', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...DAEMON_ENV, FORKWATCH_CONFIG: '', NODE_OPTIONS: '' },
  });
  const exited = new Promise<number | null>((r) =>
    proc.once('exit', (code) => {
      log.end();
      r(code);
    }),
  );
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      const rec = parseLogLine(line.slice(0, MAX_LINE));
      if (rec) onLog(rec);
    });
  }
  const stop = async (graceMs = 5000) => {
    await stopChild(proc, 'SIGTERM', graceMs);
    await exited;
  };
  return { pid: proc.pid!, logFile, exited, stop };
}

export function parseLogLine(line: string): LogRecord | null {
  if (!line.startsWith('{')) return null;
  try {
    const rec: unknown = JSON.parse(line);
    return rec && typeof rec === 'object' && !Array.isArray(rec) ? (rec as LogRecord) : null;
  } catch {
    return null;
  }
}
