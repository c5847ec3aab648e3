/**
 * The real CLI (`node dist/cli/index.js`, as deployed) under a time budget, for the
 * security tests: a hang on /dev/zero, a FIFO or a catastrophic regex fails
 * the test at the budget instead of hanging the suite.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { REPO_ROOT } from '../helpers/native-build.js';

export const CLI = join(REPO_ROOT, 'dist/cli/index.js');

/** Generous for a loaded 2-core CI box (node starts in ~0.3 s idle); a hang is unbounded. */
export const CLI_BUDGET_MS = 20_000;

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node dist/cli/index.js ...args` with FORKWATCH_CONFIG cleared and `env` on top; fails the test past budgetMs. */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; budgetMs?: number; input?: string } = {},
): CliRun {
  assert.ok(existsSync(CLI), `${CLI} missing: npm run build first`);
  const budgetMs = opts.budgetMs ?? CLI_BUDGET_MS;
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: budgetMs,
    killSignal: 'SIGKILL',
    input: opts.input ?? '',
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, FORKWATCH_CONFIG: '', NODE_OPTIONS: '', ...opts.env },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(
    r.error === undefined && r.signal === null,
    `forkwatch ${args.join(' ')} did not finish within ${budgetMs} ms (${r.error?.message ?? r.signal}); stderr: ${r.stderr?.slice(-500)}`,
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms };
}

export function tempDir(t: { after(fn: () => void): void }, prefix = 'forkwatch-sec-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
