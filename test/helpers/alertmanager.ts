/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on loopback, with a
 * temp config and storage and clustering off, for the alert tests. Missing
 * binary: the test fails (requireTool), never skips.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './native-build.js';

export const ALERTMANAGER_BIN = process.env.FORKWATCH_ALERTMANAGER ?? 'prometheus-alertmanager';

export interface AmAlertView {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  status: { state: string };
}

export interface RunningAlertmanager {
  url: string;
  pid: number;
  /** GET /api/v2/alerts (active, silenced, inhibited and unprocessed; resolved alerts drop out). */
  alerts(): Promise<AmAlertView[]>;
  stop(): Promise<void>;
}

/** A config routing everything to a receiver with no integrations (this test reads the API only). */
const CONFIG = `route:
  receiver: devnull
  group_by: ['alertname', 'host', 'target']
  group_wait: 1s
receivers:
  - name: devnull
`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startAlertmanager(): Promise<RunningAlertmanager> {
  requireTool(ALERTMANAGER_BIN, ['--version']);
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-am-'));
  writeFileSync(join(dir, 'alertmanager.yml'), CONFIG);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, proc, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    pid: proc.pid!,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`, { signal: AbortSignal.timeout(5000) });
      return (await res.json()) as AmAlertView[];
    },
    stop,
  };
}

async function waitReady(url: string, proc: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`alertmanager exited with ${proc.exitCode}: ${stderr()}`);
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`alertmanager not ready within 20 s: ${stderr()}`);
}
