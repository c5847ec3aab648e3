/** The real daemon (`forkwatch run`) as a child process, for the alert crash and end-to-end tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/alertmanager.js';
import { REPO_ROOT } from '../helpers/native-build.js';

/** A literal path as a regex (for target cmdline patterns). */
export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface DaemonProcess {
  pid: number;
  url: string;
  logFile: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Writes dir/forkwatch.json (JSON is YAML) from the overrides, starts the daemon, waits for /healthz. */
export async function startDaemonProcess(dir: string, config: Record<string, unknown>, logName = 'daemon.log'): Promise<DaemonProcess> {
  const port = await freePort();
  const file = join(dir, 'forkwatch.json');
  writeFileSync(file, JSON.stringify({
    stateDir: join(dir, 'state'),
    listen: { host: '127.0.0.1', port },
    publicUrl: 'https://forkwatch.example.org',
    log: { level: 'info', pretty: false },
    ...config,
  }));
  const logFile = join(dir, logName);
  const fd = openSync(logFile, 'a');
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli.ts'), 'run', '--config', file], {
    cwd: REPO_ROOT,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, FORKWATCH_CONFIG: '' },
  });
  closeSync(fd);
  const exited = new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
  const url = `http://127.0.0.1:${port}`;
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`forkwatch run exited with ${proc.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`forkwatch run not healthy within 30 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: proc.pid!, url, logFile, exited, kill };
}
