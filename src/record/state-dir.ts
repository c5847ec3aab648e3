/**
 * The stateDir is private: it holds the stacks, command lines and evidence of
 * production JVMs. Created 0700, its files 0600, whatever the umask; an
 * existing one that group or others can reach is tightened at start (each
 * change logged), or refused where tightening would not make it safe. A
 * stateDir on /proc, /sys or another kernel pseudo file system is refused
 * before anything is created or opened there.
 */
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  statfsSync,
  statSync,
  type Stats,
} from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { StoreOpenError } from './errors.js';
import { formatMode } from '../util/read-file-bounded.js';

/** statfs f_type of Linux kernel pseudo file systems (linux/magic.h). */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x6165676c: 'pstore',
  0x62656570: 'configfs',
  0xde5e81e4: 'efivarfs',
  0x42494e4d: 'binfmt_misc',
  0x1cd1: 'devpts',
  0xf97cff8c: 'selinuxfs',
};
const PSEUDO_PREFIXES = ['/proc', '/sys'];

export interface PermissionChange {
  path: string;
  from: string;
  to: string;
}

/** Throws StoreOpenError 'pseudo-fs' when dir is, or would be created, on a kernel pseudo file system. */
export function refusePseudoFileSystem(dir: string, storePath: string): void {
  const prefix = PSEUDO_PREFIXES.find((p) => dir === p || dir.startsWith(p + sep));
  const fs = prefix ? prefix.slice(1) : pseudoFsType(nearestExisting(dir));
  if (fs) {
    throw new StoreOpenError(
      storePath,
      'pseudo-fs',
      `state directory ${dir} is on ${fs}, a kernel pseudo file system: set stateDir to a directory on a real disk (e.g. /var/lib/forkwatch)`,
    );
  }
}

function nearestExisting(dir: string): string {
  let cur = dir;
  while (!existsSync(cur) && cur !== dirname(cur)) cur = dirname(cur);
  return cur;
}

function pseudoFsType(path: string): string | null {
  try {
    const type = Number(statfsSync(path).type) >>> 0;
    return PSEUDO_FS[type] ?? null;
  } catch {
    return null;
  }
}

/**
 * The daemon's stateDir: owned by us (or we are root and it is root's), no
 * group/other bits on it, its files (0600) and folders (0700), one level
 * down too (cores/). Returns what was changed. Throws StoreOpenError
 * 'unsafe-permissions' where it cannot be made private. dryRun (forkwatch
 * doctor): nothing is changed; the changes it would make are returned.
 */
export function makeStateDirPrivate(
  dir: string,
  storePath: string,
  opts: { dryRun?: boolean } = {},
): PermissionChange[] {
  const st = statSync(dir);
  const me = process.geteuid?.() ?? st.uid;
  if (st.uid !== me) {
    throw new StoreOpenError(
      storePath,
      'unsafe-permissions',
      `state directory ${dir} is owned by uid ${st.uid}, not by forkwatch's user (uid ${me}): its owner could swap a file for a symlink the daemon would then write through; chown it to uid ${me} or choose another stateDir`,
    );
  }
  const changes: PermissionChange[] = [];
  const dry = opts.dryRun === true;
  tighten(dir, st, storePath, changes, dry);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const entry = lstatSync(path);
    tighten(path, entry, storePath, changes, dry);
    if (entry.isDirectory())
      for (const inner of readdirSync(path))
        tighten(join(path, inner), lstatSync(join(path, inner)), storePath, changes, dry);
  }
  return changes;
}

/** Files to 0600 at most, folders to 0700; symlinks and other kinds are left alone (nobody but us can add them to a 0700 dir). */
function tighten(path: string, st: Stats, storePath: string, changes: PermissionChange[], dryRun = false): void {
  const wanted = st.isDirectory() ? 0o700 : st.isFile() ? 0o600 : null;
  if (wanted === null || (st.mode & 0o077) === 0) return;
  const next = st.mode & 0o777 & wanted;
  try {
    if (!dryRun) chmodSync(path, next);
  } catch (err) {
    throw new StoreOpenError(
      storePath,
      'unsafe-permissions',
      `${path} has mode ${formatMode(st.mode)} (group or others can read it) and cannot be made private: ${(err as Error).message}`,
      err,
    );
  }
  changes.push({ path, from: formatMode(st.mode), to: formatMode(next) });
}

/**
 * A new store or lock file is created 0600 before SQLite opens it (an empty
 * file is an empty database): SQLite would create it 0644 minus the umask,
 * and gives -wal and -shm the main file's mode. Errors are the caller's to classify.
 */
export function createPrivateFile(path: string): void {
  if (existsSync(path)) return;
  try {
    closeSync(openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
