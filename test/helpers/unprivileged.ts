/**
 * What a test needs to run something as an unprivileged user (nobody) out of
 * this checkout. When the checkout sits where nobody cannot reach it (a 0700
 * home such as /root/forkwatch), the parts a child needs (dist/, src/,
 * node_modules, ...) are staged once per test process in a world-readable
 * temp dir: hard links for files others may already read (a 146 MB
 * node_modules costs nothing), copies made readable for the others. Pure
 * Node: no cp, chmod or setpriv needed to stage.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './native-build.js';

export const NOBODY_UID = 65534;
export const NOGROUP_GID = 65534;
/** setpriv's arguments that switch to nobody:nogroup with no supplementary group. */
export const AS_NOBODY = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];

/** Whether nobody may read every path (checked by a child running as nobody; the caller must be root to switch). */
export function nobodyCanRead(paths: string[]): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe =
    'const fs = require("node:fs"); for (const p of process.argv.slice(1)) fs.accessSync(p, fs.constants.R_OK);';
  const r = spawnSync(process.execPath, ['-e', probe, ...paths], {
    cwd: '/',
    uid: NOBODY_UID,
    gid: NOGROUP_GID,
    timeout: 30_000,
  });
  return r.status === 0;
}

const staged = new Map<string, string>();

/**
 * A root nobody can read holding `parts` (paths relative to the checkout) at
 * the same relative paths: the checkout itself when nobody reaches it, else a
 * staged copy, made once per process and set of parts, removed at exit.
 */
export function readableRootFor(parts: string[]): string {
  if (nobodyCanRead(parts.map((p) => join(REPO_ROOT, p)))) return REPO_ROOT;
  const key = parts.join('\0');
  const done = staged.get(key);
  if (done) return done;
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-unprivileged-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  for (const part of parts) {
    mkdirParents(dir, dirname(part));
    stage(join(REPO_ROOT, part), join(dir, part));
  }
  staged.set(key, dir);
  return dir;
}

function mkdirParents(root: string, rel: string): void {
  let at = root;
  for (const name of rel.split('/').filter((n) => n && n !== '.')) {
    at = join(at, name);
    mkdirSync(at, { recursive: true, mode: 0o755 });
    chmodSync(at, 0o755);
  }
}

/** Mirrors from at to: directories 0755, files hard-linked when others may read them, else copied 0644/0755. */
function stage(from: string, to: string): void {
  const st = lstatSync(from);
  if (st.isSymbolicLink()) return symlinkSync(readlinkSync(from), to);
  if (st.isDirectory()) {
    mkdirSync(to, { mode: 0o755 });
    chmodSync(to, 0o755);
    for (const name of readdirSync(from)) stage(join(from, name), join(to, name));
    return;
  }
  if (!st.isFile()) return;
  if ((st.mode & 0o004) !== 0) {
    try {
      return linkSync(from, to);
    } catch {
      // another file system, or links refused: copy below
    }
  }
  copyFileSync(from, to);
  chmodSync(to, (st.mode & 0o111) !== 0 ? 0o755 : 0o644);
}
