/**
 * Runs the built CLI's `doctor` as root or, through setpriv, as nobody (with
 * or without the unit's two capabilities), asynchronously (the test's own
 * loopback servers must keep answering), under a time budget. nobody must
 * be able to read dist/ and node_modules: when the checkout is not
 * reachable for it (a 0700 home), what the CLI needs is staged in a
 * world-readable temp dir (test/helpers/unprivileged.ts).
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { REPO_ROOT, requireTool } from '../../helpers/native-build.js';
import { AS_NOBODY, readableRootFor } from '../../helpers/unprivileged.js';

export type RunAs = 'root' | 'nobody' | 'nobody+caps';
export interface Row {
  check: string;
  status: string;
  detail: string;
  fix: string | null;
}
export interface DoctorRun {
  status: number | null;
  rows: Row[];
  stdout: string;
  stderr: string;
}

const CAPS = '+sys_ptrace,+dac_read_search';
const BUDGET_MS = 120_000;

export function setprivPrefix(as: RunAs): string[] {
  if (as === 'root') return [];
  const base = ['setpriv', ...AS_NOBODY];
  return as === 'nobody'
    ? [...base, '--inh-caps=-all', '--']
    : [...base, `--inh-caps=${CAPS}`, `--ambient-caps=${CAPS}`, '--'];
}

/** A directory nobody can read with the CLI in it: the checkout when nobody reaches it, else a staged copy (test/helpers/unprivileged.ts). */
export function cliRootFor(): string {
  assert.ok(existsSync(join(REPO_ROOT, 'dist/cli/index.js')), 'dist/cli/index.js missing: npm run build first');
  requireTool('setpriv', ['--version']);
  return readableRootFor(['dist', 'node_modules', 'signatures', 'package.json']);
}

/** A world-readable config file in a world-reachable temp dir. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, 'forkwatch.yml');
  writeFileSync(path, stringify(config), { mode: 0o644 });
  return path;
}

export function worldTempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-doctor-test-'));
  chmodSync(dir, 0o755);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function runDoctor(
  cliRoot: string,
  as: RunAs,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<DoctorRun> {
  const argv = [
    ...setprivPrefix(as),
    process.execPath,
    join(cliRoot, 'dist/cli/index.js'),
    'doctor',
    '--json',
    ...args,
  ];
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      {
        cwd: '/',
        timeout: BUDGET_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 4 * 1024 * 1024,
        env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LC_ALL: 'C', ...env },
      },
      (err, stdout, stderr) => {
        const status = err ? (((err as { code?: unknown }).code as number | null) ?? null) : 0;
        assert.ok(
          !(err as { killed?: boolean } | null)?.killed,
          `doctor as ${as} did not finish within ${BUDGET_MS} ms; stderr: ${stderr.slice(-500)}`,
        );
        let rows: Row[] = [];
        try {
          rows = JSON.parse(stdout) as Row[];
        } catch {
          assert.fail(
            `doctor as ${as}: stdout is not JSON (exit ${status}): ${stdout.slice(0, 500)} ${stderr.slice(-500)}`,
          );
        }
        resolve({ status: typeof status === 'number' ? status : null, rows, stdout, stderr });
      },
    );
  });
}

/** The one row named check; fails the test naming what was there. */
export function row(run: DoctorRun, check: string): Row {
  const found = run.rows.filter((r) => r.check === check);
  assert.equal(
    found.length,
    1,
    `one "${check}" row expected; got: ${run.rows.map((r) => `${r.check}=${r.status}`).join(', ')}`,
  );
  return found[0]!;
}

export function assertStatus(run: DoctorRun, check: string, status: string, detail?: RegExp): Row {
  const r = row(run, check);
  assert.equal(r.status, status, `${check}: ${r.status} (${r.detail}); wanted ${status}`);
  if (detail) assert.match(r.detail, detail, check);
  if (status === 'fail') assert.ok(r.fix && r.fix.length > 0, `${check}: a failed line carries its fix`);
  return r;
}
