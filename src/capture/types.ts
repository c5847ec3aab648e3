/** One stack frame, whatever format it came from. */
export interface Frame {
  /** Function name as printed (null when the tool printed none: `??`, bare address). */
  fn: string | null;
  /** Normalized name for matching (see normalizeFunctionName); null when fn is null. */
  normalized: string | null;
  /** Library/module (`libc.so.6`, `libpkcs11.so.1`) where printed. */
  module: string | null;
  /** Offset into fn (`+0x1c`) as a number, where printed. */
  offset: number | null;
  /** Instruction/frame address where printed, as the hex text. */
  address: string | null;
  /** Source location where printed (`file.c:42`). */
  source?: string | null;
}

export interface Thread {
  /** Thread/LWP id where printed (gdb LWP, eu-stack TID, pstack lwp#). */
  tid: number | null;
  name: string | null;
  /** Innermost frame first. */
  frames: Frame[];
}

export type StackFormat = 'pstack' | 'mdb' | 'eu-stack' | 'gdb';

export interface ParsedStack {
  format: StackFormat | 'unknown';
  /** Process id named in the dump header, where present. */
  pid: number | null;
  threads: Thread[];
  warnings: string[];
  /** The raw input (capped by the caller). */
  raw: string;
}
