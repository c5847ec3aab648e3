/**
 * Liveness tells the truth (issue 12): a tick that hangs, over the real daemon
 * loop (real scheduler, real store, real HTTP server), is abandoned at its
 * deadline with its stage named and its capture signalled; the schedule goes
 * on; /healthz turns 503 once no tick has completed for the liveness window,
 * /readyz names the stage; the systemd watchdog pings (the real
 * systemd-notify, to a real NOTIFY_SOCKET datagram listener) stop while ticks
 * do not complete and resume when they do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createSystemdNotify } from '../../../src/daemon/systemd-notify.js';
import { requireTool } from '../../helpers/native-build.js';
import { waitFor } from '../../helpers/wait.js';
import { startDaemon } from '../../security/liveness-daemon.js';

/** A real unix datagram NOTIFY_SOCKET (Node cannot bind one): python3 prints each datagram as a JSON line. */
async function notifyListener(t: {
  after(fn: () => unknown): void;
}): Promise<{ path: string; messages: { at: number; text: string }[] }> {
  requireTool('python3');
  const dir = mkdtempSync(join(tmpdir(), 'fw-notify-sock-'));
  const path = join(dir, 'notify.sock');
  const script = [
    'import socket, sys, json',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    's.bind(sys.argv[1])',
    'print("listening", flush=True)',
    'while True:',
    '    print(json.dumps(s.recv(65536).decode("utf-8", "replace")), flush=True)',
  ].join('\n');
  const py: ChildProcess = spawn('python3', ['-c', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    py.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const messages: { at: number; text: string }[] = [];
  const lines = createInterface({ input: py.stdout! });
  await new Promise<void>((resolve, reject) => {
    py.once('error', reject);
    py.once('exit', (code) => reject(new Error(`python3 listener exited ${code}`)));
    lines.on('line', (line) => {
      if (line === 'listening') return resolve();
      messages.push({ at: Date.now(), text: JSON.parse(line) as string });
    });
  });
  return { path, messages };
}

test('systemd watchdog: WATCHDOG=1 (real systemd-notify, real NOTIFY_SOCKET) while ticks complete, none while they hang, again after', async (t) => {
  requireTool('systemd-notify');
  const sock = await notifyListener(t);
  const watchdog = createSystemdNotify({
    env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '200000' },
    pid: process.pid,
  });
  const d = await startDaemon(t, [watchdog]);
  const pings = () =>
    sock.messages.filter((m) => /^MAINPID=\d+\nWATCHDOG=1$/.test(m.text) || m.text.split('\n').includes('WATCHDOG=1'));
  await waitFor('3 watchdog pings while ticks complete', async () => pings().length >= 3, 10_000, 20);
  assert.ok(
    pings().every((m) => m.text.includes(`MAINPID=${process.pid}`)),
    'pings name our pid',
  );
  assert.ok(
    sock.messages.some((m) => m.text.split('\n').includes('READY=1')),
    'READY=1 after the first ok tick',
  );

  d.state.scanHangs = true;
  await waitFor('/healthz 503', async () => (await d.get('/healthz')).status === 503, 10_000, 20);
  await new Promise((r) => setTimeout(r, 500)); // a ping spawned just before may still arrive
  const held = pings().length;
  await new Promise((r) => setTimeout(r, 800)); // 8 ping periods
  assert.equal(pings().length, held, 'no WATCHDOG=1 while no tick completes');

  d.state.scanHangs = false;
  await waitFor('pings resume once ticks complete', async () => pings().length >= held + 2, 10_000, 20);
});
