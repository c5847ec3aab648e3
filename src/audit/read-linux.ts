/**
 * Every read the audit makes of a Linux process: /proc/PID/{maps,cmdline,
 * environ,status,exe} and files inside /proc/PID/root (the mapped objects'
 * ELF headers, libc, os-release), all bounded, none followed into a FIFO or
 * device, nothing executed. The /proc files themselves are read through
 * src/proc; the files inside /proc/PID/root are the mapped objects'. The JDK home and release file come from src/capture/target-facts.ts.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { collectTargetFacts } from '../capture/target-facts.js';
import { parseOsRelease } from '../capture/host-facts.js';
import { readFileBounded } from '../util/read-file-bounded.js';
import { ProcFS } from '../proc/fs.js';
import { isFailure, orNull } from '../proc/read.js';
import { readElfAtforkImports } from './elf-imports.js';
import { glibcVersionFromPath, parseGlibcVersion, parseMapsPaths, pickAuditedEnv, splitNul } from './parse-proc.js';
import type { MappedObject, ProcessFacts } from './types.js';

const MAX_MAPS = 8 * 1024 * 1024;
const MAX_CMDLINE = 128 * 1024;
const MAX_ENVIRON = 256 * 1024;
const MAX_LIBC = 8 * 1024 * 1024;
const MAX_OBJECTS = 256;

/** The facts of one process, or null when it is gone (no maps, no cmdline). jcmd properties are added by the caller. */
export async function readLinuxFacts(pid: number, procRoot = '/proc'): Promise<ProcessFacts | null> {
  const fs = new ProcFS(procRoot);
  const dir = fs.path(pid);
  const maps = orNull(fs.maps(pid, MAX_MAPS));
  const cmd = fs.cmdline(pid, MAX_CMDLINE);
  const cmdline = isFailure(cmd) ? null : cmd.bytes;
  if (maps === null && cmdline === null) return null;
  const unreadable: string[] = [];
  if (maps === null) unreadable.push('/proc/PID/maps unreadable (the audit needs the same uid or root)');
  const environ = orNull(fs.environ(pid, MAX_ENVIRON));
  if (environ === null) unreadable.push('/proc/PID/environ unreadable: LD_PRELOAD and *_JAVA_OPTIONS not known');
  const status = orNull(fs.status(pid));
  const paths = parseMapsPaths(maps ?? '');
  const exePath = orNull(fs.link(pid, 'exe'))?.replace(/ \(deleted\)$/, '') ?? null;
  const target = await collectTargetFacts(pid, null, { procRoot });
  return {
    pid,
    platform: 'linux',
    executable: exePath ? { path: exePath, atforkImport: atforkImportOf(join(dir, 'exe'), false) } : null,
    libraries: paths.filter((p) => p !== exePath).map((p, i) => mappedObject(dir, p, i)),
    args: cmdline ? splitNul(cmdline) : [],
    properties: {},
    environment: environ ? pickAuditedEnv(splitNul(environ, 100_000)) : null,
    threads: status?.threads ?? null,
    libc: target.libcPath ? readLibc(dir, target.libcPath) : null,
    os: readOsRelease(dir),
    jdk: target.jdk?.home ? { home: target.jdk.home, version: target.jdk.version } : null,
    unreadable,
  };
}

function mappedObject(dir: string, path: string, index: number): MappedObject {
  const isObject = /\.so(\.[0-9.]+)?$/.test(path) && index < MAX_OBJECTS;
  return { path, atforkImport: isObject ? atforkImportOf(join(dir, 'root', path), true) : null };
}

/** true/false from the ELF's dynamic symbols; null when it could not be read as one. */
function atforkImportOf(path: string, noFollow: boolean): boolean | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0));
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    const r = readElfAtforkImports((offset, length) => {
      if (offset < 0 || length < 0 || offset + length > st.size) return null;
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      return buf.subarray(0, n);
    });
    return 'error' in r ? null : r.atfork.length > 0;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** glibc's version from the file name (before 2.34) or its banner string; musl: name only. */
function readLibc(dir: string, libcPath: string): ProcessFacts['libc'] {
  if (/musl/.test(libcPath)) return { name: 'musl', version: null, path: libcPath };
  let version = glibcVersionFromPath(libcPath);
  if (version === null) {
    try {
      version = parseGlibcVersion(readFileBounded(join(dir, 'root', libcPath), MAX_LIBC).bytes.toString('latin1'));
    } catch {
      version = null;
    }
  }
  return { name: 'glibc', version, path: libcPath };
}

function readOsRelease(dir: string): ProcessFacts['os'] {
  for (const p of ['etc/os-release', 'usr/lib/os-release']) {
    let text: string;
    try {
      text = readFileBounded(join(dir, 'root', p), 64 * 1024).bytes.toString('utf8');
    } catch {
      continue;
    }
    const kv = parseOsRelease(text);
    const clean = (s: string | undefined) => (s === undefined ? null : s.replace(/[^\x20-\x7e]/g, '').slice(0, 128));
    return { id: clean(kv.ID) ?? 'unknown', versionId: clean(kv.VERSION_ID), prettyName: clean(kv.PRETTY_NAME) };
  }
  return null;
}
