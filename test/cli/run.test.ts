/** `forkwatch run` as a process: exit statuses for bad config, unusable store, taken port; graceful SIGTERM. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/native-build.js';
import { CLI_ARGS } from '../helpers/cli-command.js';

function run(
  args: string[],
  onStdout?: (line: string, kill: (sig: NodeJS.Signals) => void) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...CLI_ARGS, 'run', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      for (const line of b.toString().split('\n')) if (line) onStdout?.(line, (s) => p.kill(s));
    });
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function tempConfig(t: import('node:test').TestContext, lines: string[]): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-cli-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'forkwatch.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { dir, file };
}

test('bad config exits 78 naming the key', async (t) => {
  const { file } = tempConfig(t, ['interval: soon']);
  const r = await run(['--config', file]);
  assert.equal(r.code, 78);
  assert.match(r.stderr, /interval = "soon"/);
  assert.equal((await run(['--bogus'])).code, 78);
});

test('a store that cannot be opened exits 73 with a clear message', async (t) => {
  const { dir, file } = tempConfig(t, []);
  const notADir = join(dir, 'state-is-a-file');
  writeFileSync(notADir, 'x');
  writeFileSync(file, `stateDir: ${JSON.stringify(notADir)}\nlisten: { port: 0 }\n`);
  const r = await run(['--config', file]);
  assert.equal(r.code, 73);
  assert.match(r.stderr, /^forkwatch run: incident store .*state-is-a-file/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('a taken port exits 69 saying which', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const { dir, file } = tempConfig(t, []);
  writeFileSync(file, `stateDir: ${JSON.stringify(join(dir, 'state'))}\nlisten: { port: ${port} }\n`);
  const r = await run(['--config', file]);
  assert.equal(r.code, 69);
  assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
});

test('SIGTERM stops gracefully with exit 0 after the first tick', async (t) => {
  const { dir, file } = tempConfig(t, []);
  writeFileSync(
    file,
    `stateDir: ${JSON.stringify(join(dir, 'state'))}\nlisten: { port: 0 }\ninterval: 1s\nlog: { pretty: false }\n`,
  );
  let sent = false;
  const r = await run(['--config', file], (line, kill) => {
    if (!sent && line.includes('"forkwatch running"')) {
      sent = true;
      setTimeout(() => kill('SIGTERM'), 1500);
    }
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"msg":"shutting down"/);
  assert.match(r.stdout, /"msg":"forkwatch stopped"/);
});
