/**
 * Which reproducer `forkwatch demo` can build on this machine: a C compiler
 * first, else Python 3. Looked up on PATH (never through a shell). When none
 * is there, the message names the Debian packages to install.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type ReproducerKind = 'c' | 'python';
export const REPRODUCER_KINDS: readonly ReproducerKind[] = ['c', 'python'];

export interface Toolchain {
  kind: ReproducerKind;
  /** Absolute path of the compiler (c) or interpreter (python). */
  program: string;
}

const PROGRAMS: Record<ReproducerKind, readonly string[]> = {
  c: ['gcc', 'cc', 'clang'],
  python: ['python3'],
};

/** Debian packages that provide each reproducer's toolchain. */
export const INSTALL_HINT: Record<ReproducerKind, string> = {
  c: 'gcc (and libc6-dev)',
  python: 'python3',
};

/** The first executable named `name` in the PATH list, or null. */
export function findOnPath(name: string, pathList: string | undefined): string | null {
  for (const dir of (pathList ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

function find(kind: ReproducerKind, pathList: string | undefined): Toolchain | null {
  for (const name of PROGRAMS[kind]) {
    const program = findOnPath(name, pathList);
    if (program) return { kind, program };
  }
  return null;
}

/** The forced kind if its toolchain exists, else the first available; null when none. */
export function chooseToolchain(forced: ReproducerKind | null, pathList: string | undefined): Toolchain | null {
  if (forced) return find(forced, pathList);
  for (const kind of REPRODUCER_KINDS) {
    const t = find(kind, pathList);
    if (t) return t;
  }
  return null;
}

export function missingToolchainMessage(forced: ReproducerKind | null): string {
  const kinds = forced ? [forced] : REPRODUCER_KINDS;
  const wanted = kinds
    .map((k) => (k === 'c' ? `a C compiler (${PROGRAMS.c.join(', ')})` : 'Python 3 (python3)'))
    .join(' or ');
  const pkgs = kinds.map((k) => INSTALL_HINT[k]).join(', or ');
  return (
    `forkwatch demo builds its deadlocking reproducer with ${wanted}, and found none on PATH.\n` +
    `Install one, e.g. on Debian/Ubuntu: apt-get install ${pkgs.replace(' (and libc6-dev)', ' libc6-dev')}\n`
  );
}
