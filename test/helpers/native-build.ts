/**
 * Compile the suite's own C (and C++) helpers with gcc (g++), once per source content, into
 * .tmp/native/. A missing gcc fails the test (CI installs it): never a skip.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const NATIVE_DIR = join(REPO_ROOT, 'test/helpers/native');
const OUT_DIR = join(REPO_ROOT, '.tmp/native');

/**
 * Build `name`.c (from test/helpers/native) into an executable or, with
 * shared: true, a .so; with cxx: true, `name`.cc with g++. Returns the
 * absolute path. Extra flags are appended.
 */
export function buildNative(
  name: string,
  opts: { shared?: boolean; flags?: string[]; variant?: string; cxx?: boolean } = {},
): string {
  const src = join(NATIVE_DIR, `${name}.${opts.cxx ? 'cc' : 'c'}`);
  const flags = [
    '-g',
    '-O1',
    '-pthread',
    '-Wall',
    '-Wextra',
    ...(opts.shared ? ['-shared', '-fPIC'] : []),
    ...(opts.flags ?? []),
  ];
  const hash = createHash('sha256').update(readFileSync(src)).update(flags.join(' ')).digest('hex').slice(0, 12);
  const out = join(OUT_DIR, `${name}${opts.variant ? `-${opts.variant}` : ''}-${hash}${opts.shared ? '.so' : ''}`);
  if (existsSync(out)) return out;
  mkdirSync(OUT_DIR, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync(opts.cxx ? 'g++' : 'gcc', [...flags, '-o', tmp, src, ...(opts.shared ? ['-ldl'] : [])], {
    stdio: 'pipe',
    timeout: 120_000,
  });
  renameSync(tmp, out);
  return out;
}

/** Fail (not skip) when a tool the test needs is missing. */
export function requireTool(name: string, versionArgs: string[] = ['--version']): string {
  try {
    execFileSync(name, versionArgs, { stdio: 'pipe', timeout: 20_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') {
      throw new Error(`required tool "${name}" is not installed; .ci/run installs it (see README: Tests)`);
    }
  }
  return name;
}
