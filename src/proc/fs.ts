/**
 * An FS rooted at procRoot (/proc, /host/proc in the container, a test's
 * fake tree), in the manner of prometheus/procfs: one method per kernel file,
 * each a bounded read through the shared reader (read.ts) and, where forkwatch
 * needs fields, its pure parser (parse/). Failures are values (ReadFailure:
 * gone / denied / error), never throws.
 */
import { existsSync, opendirSync, readdirSync, readlinkSync, statSync, type Dir } from 'node:fs';
import { classifyErrno, counted, isFailure, procReader, type ReadFailure } from './read.js';
import { parseStatBytes, type StatFields } from './parse/stat.js';
import { parseStatus, type StatusFields } from './parse/status.js';
import { parseSyscall, type ProcSyscall } from './parse/syscall.js';
import { parseChildren } from './parse/children.js';
import { parseExeLink } from './parse/exe.js';
import { parseWchan } from './parse/wchan.js';
import { readBootTimeSec, readStartTimeMs } from './boot-clock.js';

export type Exe = { path: string; deleted: boolean; dev: number | null; ino: number | null };

/** Caps per file: smaps of a big JVM runs to megabytes, maps to hundreds of KiB. */
export const PROC_CAPS = {
  small: 64 * 1024,
  cmdline: 1024 * 1024,
  maps: 1024 * 1024,
  smaps: 8 * 1024 * 1024,
  environ: 256 * 1024,
} as const;

export class ProcFS {
  constructor(readonly root = '/proc') {}

  path(pid: number | 'self', file?: string): string {
    return file === undefined ? `${this.root}/${pid}` : `${this.root}/${pid}/${file}`;
  }

  /** Text of <root>/<pid>/<file>, at most maxBytes (a one-record file: see ProcReader.fill). */
  text(pid: number | 'self', file: string, maxBytes: number = PROC_CAPS.small): string | ReadFailure {
    return procReader.readText(this.path(pid, file), maxBytes, true);
  }

  /** Text of a host-wide file (<root>/sys/kernel/yama/ptrace_scope, <root>/uptime). */
  hostText(file: string, maxBytes: number = PROC_CAPS.small): string | ReadFailure {
    return procReader.readText(`${this.root}/${file}`, maxBytes);
  }

  /** Parsed in the read buffer, never decoded whole: discovery reads one per process on the host. */
  stat(pid: number | 'self'): StatFields | ReadFailure {
    const r = procReader.withBytes(this.path(pid, 'stat'), PROC_CAPS.small, parseStatBytes, true);
    if (isFailure(r)) return r;
    return r.ok ? r.value : { failed: 'error', code: `malformed stat: ${r.error}` };
  }

  status(pid: number | 'self'): StatusFields | ReadFailure {
    const text = this.text(pid, 'status');
    return isFailure(text) ? text : parseStatus(text);
  }

  syscall(pid: number, tid?: number): ProcSyscall | null | ReadFailure {
    const text = this.text(pid, tid === undefined ? 'syscall' : `task/${tid}/syscall`, 512);
    return isFailure(text) ? text : parseSyscall(text);
  }

  wchan(pid: number, tid?: number): string | null | ReadFailure {
    const text = this.text(pid, tid === undefined ? 'wchan' : `task/${tid}/wchan`, 256);
    return isFailure(text) ? text : parseWchan(text);
  }

  /** The kernel stack of one thread (root / CAP_SYS_ADMIN only). */
  kernelStack(pid: number, tid: number): string | ReadFailure {
    return this.text(pid, `task/${tid}/stack`);
  }

  cmdline(pid: number, maxBytes: number = PROC_CAPS.cmdline): { bytes: Buffer; truncated: boolean } | ReadFailure {
    return procReader.readBytes(this.path(pid, 'cmdline'), maxBytes, true);
  }

  environ(pid: number, maxBytes: number = PROC_CAPS.environ): Buffer | ReadFailure {
    const b = procReader.readBytes(this.path(pid, 'environ'), maxBytes, true);
    return isFailure(b) ? b : b.bytes;
  }

  /** Whether the first maxBytes of the environment hold needle (read in place: no copy per process). */
  environIncludes(pid: number, needle: Buffer, maxBytes: number): boolean {
    const r = procReader.withBytes(
      this.path(pid, 'environ'),
      maxBytes,
      (buf, n) => buf.subarray(0, n).includes(needle),
      true,
    );
    return r === true;
  }

  /** maps and smaps are many records (seq_file): read until EOF, not until a short read. */
  maps(pid: number, maxBytes: number = PROC_CAPS.maps): string | ReadFailure {
    return procReader.readText(this.path(pid, 'maps'), maxBytes);
  }

  smaps(pid: number, rollup: boolean, maxBytes: number = PROC_CAPS.smaps): string | ReadFailure {
    return procReader.readText(this.path(pid, rollup ? 'smaps_rollup' : 'smaps'), maxBytes);
  }

  io(pid: number): string | ReadFailure {
    return this.text(pid, 'io');
  }

  /** A magic link of the process (exe, cwd, root, fd/N), as its text. */
  link(pid: number | 'self', name: string): string | ReadFailure {
    try {
      return counted(readlinkSync(this.path(pid, name)));
    } catch (err) {
      return counted(classifyErrno(err));
    }
  }

  /** <root>/self: the pid of the reader in that /proc's pid namespace. */
  selfLink(): string | ReadFailure {
    try {
      return counted(readlinkSync(`${this.root}/self`));
    } catch (err) {
      return counted(classifyErrno(err));
    }
  }

  exe(pid: number): Exe | ReadFailure {
    const text = this.link(pid, 'exe');
    if (isFailure(text)) return text;
    const { path, deleted } = parseExeLink(text);
    try {
      const st = statSync(this.path(pid, 'exe')); // follows the magic link to the mapped image, even when deleted
      return { path, deleted, dev: st.dev, ino: st.ino };
    } catch {
      return { path, deleted, dev: null, ino: null };
    }
  }

  /** Names in <root>/<pid>/<dir> (task, fd, fdinfo). */
  list(pid: number | 'self', dir: string): string[] | ReadFailure {
    try {
      return counted(readdirSync(this.path(pid, dir)));
    } catch (err) {
      return counted(classifyErrno(err));
    }
  }

  taskIds(pid: number): number[] | ReadFailure {
    const names = this.list(pid, 'task');
    return isFailure(names) ? names : names.filter((n) => /^\d{1,10}$/.test(n)).map(Number);
  }

  /** Children of every thread of pid; 'unsupported' when the kernel has no children file. */
  children(pid: number): number[] | ReadFailure | 'unsupported' {
    const tids = this.list(pid, 'task');
    if (isFailure(tids)) return tids;
    const out: number[] = [];
    for (const tid of tids) {
      // children is a seq_file of one record per child: read to EOF, not to a short read
      const text = procReader.readText(this.path(pid, `task/${tid}/children`), 1 << 20);
      if (isFailure(text)) {
        if (text.failed === 'gone' && this.childrenFileMissing(pid, tid)) return 'unsupported';
        continue; // a thread that exited mid-read had no children we can lose
      }
      for (const c of parseChildren(text)) out.push(c);
    }
    return out;
  }

  private childrenFileMissing(pid: number, tid: string): boolean {
    try {
      statSync(this.path(pid, `task/${tid}/stat`));
      return true; // the thread is there, its children file is not: kernel without CONFIG_PROC_CHILDREN
    } catch {
      return false;
    }
  }

  /**
   * Numeric entries of the root: every pid on the host. Read through
   * opendir in batches, not readdirSync: that is scandir(3), which mallocs
   * one dirent per entry (10,000 at once on a busy host) in the main arena,
   * where the daemon's other allocations then pin the freed space (RSS).
   */
  pids(): number[] | ReadFailure {
    let dir: Dir;
    try {
      dir = opendirSync(this.root, { bufferSize: 128 });
    } catch (err) {
      return counted(classifyErrno(err));
    }
    try {
      const out: number[] = [];
      for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
        const c = entry.name.charCodeAt(0);
        if (c >= 48 && c <= 57 && /^\d{1,10}$/.test(entry.name)) out.push(Number(entry.name));
      }
      return counted(out);
    } catch (err) {
      return counted(classifyErrno(err));
    } finally {
      dir.closeSync();
    }
  }

  /** A Linux-style /proc: the host-wide stat file is there (illumos's /proc has none). */
  hasHostStat(): boolean {
    return existsSync(`${this.root}/stat`);
  }

  /** btime, seconds since the epoch; null where the root has no Linux /proc/stat. */
  bootTimeSec(): number | null {
    return readBootTimeSec(this.root);
  }

  /** Start time of pid in ms since the epoch (the identity with pid); null when unreadable. */
  startTimeMs(pid: number, clkTck = 100): number | null {
    return readStartTimeMs(this.root, pid, clkTck);
  }
}

/** forkwatch's own /proc (its capabilities, its descriptors): always the mount it runs under, whatever procRoot says. */
export const ownProc = new ProcFS('/proc');
