/**
 * The one reader of files an operator names (config, secret files, signature
 * files). A typo can point at /dev/zero, a FIFO nobody writes, or a 4 GB log:
 * open with O_NONBLOCK (a FIFO without a writer does not block the open),
 * fstat the open descriptor (what is checked is what is read), refuse
 * anything that is not a regular file or is larger than the cap, and never
 * read more than the cap even if the file grows meanwhile.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

export type BoundedReadProblem = 'unreadable' | 'not-a-file' | 'too-large';

/** Why a file was refused; `message` says it in words, e.g. "not a regular file (a character device)". */
export class BoundedReadError extends Error {
  constructor(
    readonly path: string,
    readonly problem: BoundedReadProblem,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'BoundedReadError';
  }
}

export interface BoundedFile {
  bytes: Buffer;
  /** fstat of the descriptor read: mode, uid, size. */
  stat: Stats;
}

export interface BoundedReadOptions {
  /** Refuse a symlink as the last component (O_NOFOLLOW: ELOOP), for a path a watched process chose. */
  noFollow?: boolean;
}

/** Read a whole regular file of at most maxBytes. Throws BoundedReadError. */
export function readFileBounded(path: string, maxBytes: number, opts: BoundedReadOptions = {}): BoundedFile {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (opts.noFollow ? constants.O_NOFOLLOW : 0),
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new BoundedReadError(path, 'unreadable', `cannot open (${e.code ?? e.message})`, e.code);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new BoundedReadError(path, 'not-a-file', `not a regular file (${fileKind(stat)})`);
    if (stat.size > maxBytes)
      throw new BoundedReadError(path, 'too-large', `larger than ${maxBytes} bytes (${stat.size})`);
    return { bytes: readAtMost(fd, path, maxBytes), stat };
  } finally {
    closeSync(fd);
  }
}

/** Reads until EOF; one byte past the cap means the file grew past it. */
function readAtMost(fd: number, path: string, maxBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(maxBytes + 1);
  let got = 0;
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, got, buf.length - got, null);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new BoundedReadError(path, 'unreadable', `cannot read (${e.code ?? e.message})`, e.code);
    }
    if (n === 0) break;
    got += n;
    if (got > maxBytes)
      throw new BoundedReadError(path, 'too-large', `larger than ${maxBytes} bytes (grew while read)`);
  }
  return Buffer.from(buf.subarray(0, got));
}

/**
 * The first maxBytes of a kernel file (/proc: no size to fstat, read until EOF
 * or the cap); null when it cannot be opened or read (vanished, EACCES).
 */
export function readPrefix(path: string, maxBytes: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.allocUnsafe(maxBytes);
    let len = 0;
    while (len < maxBytes) {
      const n = readSync(fd, buf, len, maxBytes - len, null);
      if (n <= 0) break;
      len += n;
    }
    return buf.subarray(0, len);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

export function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** "0644" */
export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}
