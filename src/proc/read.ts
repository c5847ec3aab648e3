/**
 * The one reader of /proc files (or of a configured root: /host/proc, a
 * test's fake tree). openSync/readSync into one reused Buffer: measured the
 * fastest way to read many small files from Node (design.md), bounded by a
 * cap per read, and never fs.promises fanned out over thousands of pids
 * (EMFILE). The buffer grows to the size actually read (never to the cap up
 * front) and shrinks back after a large read, so an 8 MiB cap for smaps costs
 * what smaps holds, not 8 MiB.
 *
 * One outcome model: ok / gone (ENOENT, ESRCH: the pid vanished) / denied
 * (EACCES, EPERM) / error (anything else, a FIFO or a directory among them),
 * each counted for the daemon's metrics. Opened O_NONBLOCK | O_NOCTTY, so a
 * FIFO in a fake tree never blocks the open, and refused by fstat when it is
 * not a regular file (every /proc file is one).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type ReadOutcome = 'ok' | 'gone' | 'denied' | 'error';
export type ReadFailure = { failed: Exclude<ReadOutcome, 'ok'>; code: string };

/** Reads by outcome since the process started (forkwatch_proc_reads_total{outcome}). */
const counts: Record<ReadOutcome, number> = { ok: 0, gone: 0, denied: 0, error: 0 };

export function procReadCounts(): Readonly<Record<ReadOutcome, number>> {
  return { ...counts };
}

export function classifyErrno(err: unknown): ReadFailure {
  const code = (err as NodeJS.ErrnoException)?.code ?? 'UNKNOWN';
  if (code === 'ENOENT' || code === 'ESRCH' || code === 'ENOTDIR') return { failed: 'gone', code };
  if (code === 'EACCES' || code === 'EPERM') return { failed: 'denied', code };
  return { failed: 'error', code };
}

export function isFailure(x: unknown): x is ReadFailure {
  return typeof x === 'object' && x !== null && 'failed' in x;
}

/** Count a failure (or success) met outside readInto: a readlink, a listing. */
export function counted<T>(x: T | ReadFailure): T | ReadFailure {
  counts[isFailure(x) ? x.failed : 'ok']++;
  return x;
}

/** Default cap of one read: every small /proc file fits (status is ~1.5 KiB, stat ~300 B). */
export const DEFAULT_MAX_BYTES = 64 * 1024;
const INITIAL_BUFFER = 64 * 1024;
/** Above this the buffer is dropped after the read: a rare smaps read does not pin megabytes. */
const KEEP_BUFFER = 1024 * 1024;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

export class ProcReader {
  private buf = Buffer.allocUnsafe(INITIAL_BUFFER);

  /**
   * Read at most maxBytes of path into the shared buffer; the byte count, or a
   * failure. The bytes stay valid until the next read.
   */
  readInto(path: string, maxBytes = DEFAULT_MAX_BYTES, oneRecord = false): number | ReadFailure {
    let fd: number;
    try {
      fd = openSync(path, OPEN_FLAGS);
    } catch (err) {
      return counted(classifyErrno(err));
    }
    try {
      return counted(this.fill(fd, maxBytes, oneRecord));
    } catch (err) {
      return counted(classifyErrno(err));
    } finally {
      closeSync(fd);
    }
  }

  /**
   * oneRecord: the file is one record the kernel hands out whole (stat,
   * status, cmdline, wchan, syscall, children, ...: single_open or a plain
   * read loop), so a read shorter than asked is the end and the extra read(2)
   * that would return 0 is saved (a fifth of discovery's system calls). Not
   * for maps/smaps: seq_file stops a read short before a record that does not
   * fit. A regular file (a fake tree) is short only at its end too.
   */
  private fill(fd: number, maxBytes: number, oneRecord: boolean): number | ReadFailure {
    let n = 0;
    for (;;) {
      if (n === this.buf.length) {
        if (n >= maxBytes) return n;
        this.grow(n, Math.min(this.buf.length * 2, maxBytes));
      }
      const want = Math.min(this.buf.length, maxBytes) - n;
      const got = readSync(fd, this.buf, n, want, null);
      if (got === 0) return n === 0 && !fstatSync(fd).isFile() ? { failed: 'error', code: 'ENOTREG' } : n;
      n += got;
      if (n >= maxBytes || (oneRecord && got < want)) return n;
    }
  }

  private grow(used: number, size: number): void {
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, used);
    this.buf = bigger;
  }

  /** After a large read: back to the small buffer, so the megabytes are garbage. */
  private settle(): void {
    if (this.buf.length > KEEP_BUFFER) this.buf = Buffer.allocUnsafe(INITIAL_BUFFER);
  }

  readText(path: string, maxBytes = DEFAULT_MAX_BYTES, oneRecord = false): string | ReadFailure {
    const n = this.readInto(path, maxBytes, oneRecord);
    const out = typeof n === 'number' ? this.buf.toString('utf8', 0, n) : n;
    this.settle();
    return out;
  }

  /** A copy of the bytes, and whether the cap cut them. */
  readBytes(
    path: string,
    maxBytes = DEFAULT_MAX_BYTES,
    oneRecord = false,
  ): { bytes: Buffer; truncated: boolean } | ReadFailure {
    const n = this.readInto(path, maxBytes, oneRecord);
    const out = typeof n === 'number' ? { bytes: Buffer.from(this.buf.subarray(0, n)), truncated: n >= maxBytes } : n;
    this.settle();
    return out;
  }

  /** Run fn over the bytes read without copying them (the lean path of discovery). */
  withBytes<T>(path: string, maxBytes: number, fn: (buf: Buffer, n: number) => T, oneRecord = false): T | ReadFailure {
    const n = this.readInto(path, maxBytes, oneRecord);
    return typeof n === 'number' ? fn(this.buf, n) : n;
  }
}

/**
 * The process-wide reader: reads are synchronous and every result is decoded
 * or copied before the next read, so one buffer serves every caller.
 */
export const procReader = new ProcReader();

/** The value, or null for any failure (where the caller only needs "readable or not"). */
export function orNull<T>(x: T | ReadFailure): T | null {
  return isFailure(x) ? null : x;
}
