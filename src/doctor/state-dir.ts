/**
 * The stateDir: exists or can be created, writable, private (the rules of
 * src/record/state-dir.ts, run as a dry run: doctor changes nothing), on a
 * local file system, with free space.
 */
import { accessSync, constants, existsSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreOpenError } from '../record/errors.js';
import { makeStateDirPrivate, refusePseudoFileSystem } from '../record/state-dir.js';
import { result, type CheckResult } from './types.js';

/** statfs f_type of network and user-space file systems (linux/magic.h and the fs sources). */
export const REMOTE_FS: Readonly<Record<number, string>> = {
  0x6969: 'nfs',
  0xff534d42: 'cifs',
  0xfe534d42: 'smb2',
  0x517b: 'smb',
  0x65735546: 'fuse',
  0x65735543: 'fusectl',
  0x00c36400: 'ceph',
  0x01021997: '9p',
  0x5346414f: 'afs',
  0x73757245: 'coda',
  0x0bd00bd0: 'lustre',
  0x47504653: 'gpfs',
};

const FREE_FAIL_BYTES = 64 * 1024 ** 2;
const FREE_WARN_BYTES = 512 * 1024 ** 2;

export function stateDirChecks(stateDir: string): CheckResult[] {
  const dir = resolve(stateDir);
  try {
    refusePseudoFileSystem(dir, dir);
  } catch (err) {
    return [
      result(
        'stateDir',
        'fail',
        (err as Error).message,
        'set stateDir to a directory on a real disk, e.g. /var/lib/forkwatch',
      ),
    ];
  }
  const exists = existsSync(dir);
  const out = [exists ? existingDir(dir) : creatable(dir)];
  if (exists && out[0]!.status === 'ok') out.push(privacy(dir));
  const at = exists ? dir : nearestExisting(dir);
  out.push(fileSystem(dir, at), freeSpace(dir, at));
  return out;
}

function existingDir(dir: string): CheckResult {
  if (!statSync(dir).isDirectory())
    return result('stateDir', 'fail', `${dir} exists and is not a directory`, 'set stateDir to a directory');
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    return result(
      'stateDir',
      'fail',
      `${dir} is not writable by uid ${process.geteuid?.()}: ${(err as NodeJS.ErrnoException).code}`,
      `chown ${process.geteuid?.()} ${dir} && chmod 700 ${dir}`,
    );
  }
  return result('stateDir', 'ok', `${dir} exists and is writable`);
}

function creatable(dir: string): CheckResult {
  const parent = nearestExisting(dir);
  try {
    accessSync(parent, constants.W_OK | constants.X_OK);
    return result('stateDir', 'ok', `${dir} does not exist yet; the daemon creates it (0700) under ${parent}`);
  } catch {
    return result(
      'stateDir',
      'fail',
      `${dir} does not exist and ${parent} is not writable by uid ${process.geteuid?.()}`,
      `install -d -m 700 -o ${process.geteuid?.()} ${dir}`,
    );
  }
}

function privacy(dir: string): CheckResult {
  try {
    const changes = makeStateDirPrivate(dir, dir, { dryRun: true });
    if (changes.length === 0)
      return result('stateDir private', 'ok', `${dir} and its files: no access for group or others`);
    const shown = changes
      .slice(0, 3)
      .map((c) => `${c.path} ${c.from}`)
      .join(', ');
    return result(
      'stateDir private',
      'warn',
      `group or others can reach ${changes.length} path(s): ${shown} (the daemon tightens them at start)`,
      `chmod -R go-rwx ${dir}`,
    );
  } catch (err) {
    const msg =
      err instanceof StoreOpenError ? err.message.replace(/^incident store [^:]*: /, '') : (err as Error).message;
    return result(
      'stateDir private',
      'fail',
      msg,
      `chown ${process.geteuid?.()} ${dir} && chmod 700 ${dir}, or choose another stateDir`,
    );
  }
}

function fileSystem(dir: string, at: string): CheckResult {
  let type: number;
  try {
    type = Number(statfsSync(at).type) >>> 0;
  } catch (err) {
    return result('stateDir local disk', 'unknown', `statfs ${at}: ${(err as Error).message}`, null);
  }
  const remote = REMOTE_FS[type];
  if (!remote) return result('stateDir local disk', 'ok', `${at}: file system type 0x${type.toString(16)}, local`);
  return result(
    'stateDir local disk',
    'warn',
    `${dir} is on ${remote}: SQLite's locking is unreliable there and a hung server stalls every tick`,
    'set stateDir to a local disk, e.g. /var/lib/forkwatch',
  );
}

function freeSpace(dir: string, at: string): CheckResult {
  try {
    const s = statfsSync(at);
    const free = Number(s.bavail) * Number(s.bsize);
    const mib = `${Math.floor(free / 1024 ** 2)} MiB free`;
    if (free < FREE_FAIL_BYTES)
      return result(
        'stateDir free space',
        'fail',
        `${mib} at ${at}`,
        `free space on that file system or move stateDir (${dir})`,
      );
    if (free < FREE_WARN_BYTES)
      return result(
        'stateDir free space',
        'warn',
        `${mib} at ${at} (cores and stacks need room)`,
        `free space on that file system or move stateDir (${dir})`,
      );
    return result('stateDir free space', 'ok', `${mib} at ${at}`);
  } catch (err) {
    return result('stateDir free space', 'unknown', `statfs ${at}: ${(err as Error).message}`, null);
  }
}

function nearestExisting(dir: string): string {
  let cur = dir;
  while (!existsSync(cur) && cur !== dirname(cur)) cur = dirname(cur);
  return cur;
}
