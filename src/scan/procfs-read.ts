/**
 * Readers for /proc (or a configured root: /host/proc, a test's fake tree).
 * openSync/readSync into one reused Buffer: measured the fastest way to read
 * many small files from Node (design.md), and bounded: never fs.promises
 * fanned out over thousands of pids (EMFILE). A pid that vanishes mid-read is
 * 'gone', never an error.
 */
import { closeSync, opendirSync, openSync, readdirSync, readlinkSync, readSync, statSync, type Dir } from 'node:fs';
import type { ProcessInfo } from './types.js';
import {
  mapState,
  parseChildren,
  parseExeLink,
  parseStat,
  parseStatus,
  parseWchan,
  startTimeMs,
  ticksToMs,
} from './procfs-parse.js';

export type ReadFailure = { failed: 'gone' | 'denied' | 'error'; code: string };

export function classifyErrno(err: unknown): ReadFailure {
  const code = (err as NodeJS.ErrnoException)?.code ?? 'UNKNOWN';
  if (code === 'ENOENT' || code === 'ESRCH' || code === 'ENOTDIR') return { failed: 'gone', code };
  if (code === 'EACCES' || code === 'EPERM') return { failed: 'denied', code };
  return { failed: 'error', code };
}

export function isFailure(x: unknown): x is ReadFailure {
  return typeof x === 'object' && x !== null && 'failed' in x;
}

export interface ProcfsClock {
  btimeSec: number;
  clockTicks: number;
}

export interface ReadOptions {
  status?: boolean;
  exe?: boolean;
  wchan?: boolean;
  /** Re-read stat at the end: a pid reused mid-read is reported gone, not mixed. */
  verify?: boolean;
}

export type ProcessRead =
  | { kind: 'ok'; info: ProcessInfo; exeDenied: boolean }
  | { kind: 'gone' }
  | { kind: 'denied'; file: string }
  | { kind: 'malformed'; file: string; message: string };

const INITIAL_BUFFER = 64 * 1024;

export class ProcfsReader {
  private buf = Buffer.allocUnsafe(INITIAL_BUFFER);

  constructor(
    readonly root: string,
    readonly maxFileBytes = 1024 * 1024,
  ) {}

  /** Read a whole file into the shared buffer; returns the byte count or a failure. */
  private readInto(path: string): number | ReadFailure {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      return classifyErrno(err);
    }
    try {
      let n = 0;
      for (;;) {
        if (n === this.buf.length) {
          if (this.buf.length >= this.maxFileBytes) return n;
          const bigger = Buffer.allocUnsafe(Math.min(this.buf.length * 2, this.maxFileBytes));
          this.buf.copy(bigger, 0, 0, n);
          this.buf = bigger;
        }
        const got = readSync(fd, this.buf, n, this.buf.length - n, null);
        if (got === 0) return n;
        n += got;
      }
    } catch (err) {
      return classifyErrno(err);
    } finally {
      closeSync(fd);
    }
  }

  readText(path: string): string | ReadFailure {
    const n = this.readInto(path);
    return typeof n === 'number' ? this.buf.toString('utf8', 0, n) : n;
  }

  /** A copy of the bytes, and whether the cap cut them. */
  readBytes(path: string): { bytes: Buffer; truncated: boolean } | ReadFailure {
    const n = this.readInto(path);
    if (typeof n !== 'number') return n;
    return { bytes: Buffer.from(this.buf.subarray(0, n)), truncated: n >= this.maxFileBytes };
  }

  /**
   * Numeric entries of the root: every pid on the host. Read through
   * opendir in batches, not readdirSync: that is scandir(3), which mallocs
   * one dirent per entry (10,000 at once on a busy host) in the main arena,
   * where the daemon's other allocations then pin the freed space (RSS).
   */
  listPids(): number[] | ReadFailure {
    let dir: Dir;
    try {
      dir = opendirSync(this.root, { bufferSize: 128 });
    } catch (err) {
      return classifyErrno(err);
    }
    try {
      const out: number[] = [];
      for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
        const name = entry.name;
        const c = name.charCodeAt(0);
        if (c >= 48 && c <= 57 && /^\d{1,10}$/.test(name)) out.push(Number(name));
      }
      return out;
    } catch (err) {
      return classifyErrno(err);
    } finally {
      dir.closeSync();
    }
  }

  /** Children of every thread of pid; 'unsupported' when the kernel has no children file. */
  readChildren(pid: number): number[] | ReadFailure | 'unsupported' {
    let tids: string[];
    try {
      tids = readdirSync(`${this.root}/${pid}/task`);
    } catch (err) {
      return classifyErrno(err);
    }
    const out: number[] = [];
    for (const tid of tids) {
      const text = this.readText(`${this.root}/${pid}/task/${tid}/children`);
      if (isFailure(text)) {
        if (text.failed === 'gone' && tids.length > 0 && this.childrenFileMissing(pid, tid)) return 'unsupported';
        continue; // a thread that exited mid-read had no children we can lose
      }
      out.push(...parseChildren(text));
    }
    return out;
  }

  private childrenFileMissing(pid: number, tid: string): boolean {
    try {
      statSync(`${this.root}/${pid}/task/${tid}/stat`);
      return true; // the thread is there, its children file is not: kernel without CONFIG_PROC_CHILDREN
    } catch {
      return false;
    }
  }

  readExe(pid: number): { path: string; deleted: boolean; dev: number | null; ino: number | null } | ReadFailure {
    const link = `${this.root}/${pid}/exe`;
    let text: string;
    try {
      text = readlinkSync(link);
    } catch (err) {
      return classifyErrno(err);
    }
    const { path, deleted } = parseExeLink(text);
    try {
      const st = statSync(link); // follows the magic link to the mapped image, even when deleted
      return { path, deleted, dev: st.dev, ino: st.ino };
    } catch {
      return { path, deleted, dev: null, ino: null };
    }
  }

  private readWchan(dir: string): string | null {
    const text = this.readText(`${dir}/wchan`);
    return isFailure(text) ? null : parseWchan(text);
  }

  readProcess(pid: number, clock: ProcfsClock, opts: ReadOptions = {}): ProcessRead {
    const dir = `${this.root}/${pid}`;
    const statText = this.readText(`${dir}/stat`);
    if (isFailure(statText)) return failed(statText, `${dir}/stat`);
    const stat = parseStat(statText);
    if (!stat.ok) return { kind: 'malformed', file: `${dir}/stat`, message: stat.error };
    let uid: number | null = null;
    if (opts.status) {
      const text = this.readText(`${dir}/status`);
      if (isFailure(text)) return failed(text, `${dir}/status`);
      uid = parseStatus(text).uid;
    }
    const cmd = this.readBytes(`${dir}/cmdline`);
    if (isFailure(cmd)) return failed(cmd, `${dir}/cmdline`);
    const exe = opts.exe ? this.readExe(pid) : null;
    const exeDenied = isFailure(exe) && exe.failed === 'denied';
    let wchan = opts.wchan ? this.readWchan(dir) : null;
    let s = stat.value;
    if (opts.verify) {
      const again = this.readText(`${dir}/stat`);
      const reparsed = isFailure(again) ? null : parseStat(again);
      if (!reparsed?.ok || reparsed.value.startTicks !== s.startTicks) return { kind: 'gone' };
      // wchan reads "0" while the task runs: the later stat says so (R) more often than the first.
      // A busy child caught on a CPU a few times in a row would read as "no wait channel"
      // (unknown, so a suspect): look again, briefly, until it is seen running or waiting.
      if (opts.wchan && wchan === null) {
        s = reparsed.value;
        for (let attempt = 0; attempt < WCHAN_ATTEMPTS && wchan === null && s.stateCode !== 'R'; attempt++) {
          wchan = this.readWchan(dir);
          if (wchan !== null) break;
          const next = this.readText(`${dir}/stat`);
          const parsed = isFailure(next) ? null : parseStat(next);
          if (!parsed?.ok || parsed.value.startTicks !== s.startTicks) return { kind: 'gone' };
          s = parsed.value;
        }
      }
    }
    const image = exe && !isFailure(exe) ? exe : null;
    const info: ProcessInfo = {
      pid: s.pid,
      startTimeMs: startTimeMs(s.startTicks, clock.btimeSec, clock.clockTicks),
      ppid: s.ppid,
      stateCode: s.stateCode,
      state: mapState(s.stateCode),
      threads: s.numThreads,
      uid,
      comm: s.comm,
      cmdline: cmd.bytes,
      cmdlineTruncated: cmd.truncated,
      exe: image?.path ?? null,
      exeDeleted: image?.deleted ?? false,
      exeDev: image?.dev ?? null,
      exeIno: image?.ino ?? null,
      cpuTimeMs: ticksToMs(s.utime + s.stime, clock.clockTicks),
      wchan,
    };
    return { kind: 'ok', info, exeDenied };
  }
}

/** How many times a "0" wchan is read again (each with a fresh stat) before it counts as unknown. */
const WCHAN_ATTEMPTS = 4;

function failed(f: ReadFailure, file: string): ProcessRead {
  if (f.failed === 'gone') return { kind: 'gone' };
  if (f.failed === 'denied') return { kind: 'denied', file };
  return { kind: 'malformed', file, message: f.code };
}
