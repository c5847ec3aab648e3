/**
 * Does an ELF object import an atfork registration? A pure reader of the
 * section headers and .dynsym/.dynstr through `readAt` (bounded positioned
 * reads of a file; nothing is loaded or run). An object that registers a fork
 * handler calls pthread_atfork, which glibc >= 2.34 links as an import of
 * `__register_atfork` (libc_nonshared.a) and illumos/musl as `pthread_atfork`:
 * either, undefined in .dynsym, means the object's own code registers one.
 * A stripped binary keeps .dynsym, so this works without debug symbols.
 */
const ATFORK_SYMBOLS = new Set(['__register_atfork', 'pthread_atfork']);
const SHT_DYNSYM = 11;
const MAX_SECTIONS = 4096;
const MAX_TABLE_BYTES = 16 * 1024 * 1024;

export type ReadAt = (offset: number, length: number) => Buffer | null;

export interface ElfImports {
  /** The atfork symbols imported (empty: none). */
  atfork: string[];
}

/** The atfork imports, or a reason the object could not be read as ELF. */
export function readElfAtforkImports(readAt: ReadAt): ElfImports | { error: string } {
  const h = readAt(0, 64);
  if (!h || h.length < 52 || h.readUInt32BE(0) !== 0x7f454c46) return { error: 'not an ELF object' };
  const is64 = h[4] === 2;
  const le = h[5] === 1;
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const uw = (b: Buffer, o: number) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
  const shoff = uw(h, is64 ? 0x28 : 0x20);
  const shentsize = u16(h, is64 ? 0x3a : 0x2e);
  const shnum = u16(h, is64 ? 0x3c : 0x30);
  if (shoff === 0 || shnum === 0 || shnum > MAX_SECTIONS || shentsize < (is64 ? 64 : 40))
    return { error: 'no section headers' };
  const table = readAt(shoff, shnum * shentsize);
  if (!table || table.length < shnum * shentsize) return { error: 'section headers cut short' };
  const section = (i: number) => {
    const o = i * shentsize;
    return {
      type: u32(table, o + 4),
      offset: uw(table, o + (is64 ? 24 : 16)),
      size: uw(table, o + (is64 ? 32 : 20)),
      link: u32(table, o + (is64 ? 40 : 24)),
    };
  };
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== SHT_DYNSYM) continue;
    if (s.link >= shnum) return { error: '.dynsym names no string table' };
    const strs = section(s.link);
    if (s.size > MAX_TABLE_BYTES || strs.size > MAX_TABLE_BYTES) return { error: 'dynamic symbol table too large' };
    const syms = readAt(s.offset, s.size);
    const names = readAt(strs.offset, strs.size);
    if (!syms || !names) return { error: 'dynamic symbol table unreadable' };
    return { atfork: undefinedNames(syms, names, is64, u32, u16).filter((n) => ATFORK_SYMBOLS.has(n)) };
  }
  return { atfork: [] }; // a static binary: no dynamic imports
}

function undefinedNames(
  syms: Buffer,
  names: Buffer,
  is64: boolean,
  u32: (b: Buffer, o: number) => number,
  u16: (b: Buffer, o: number) => number,
): string[] {
  const size = is64 ? 24 : 16;
  const out: string[] = [];
  for (let o = size; o + size <= syms.length; o += size) {
    const shndx = u16(syms, o + (is64 ? 6 : 14));
    if (shndx !== 0) continue;
    const at = u32(syms, o);
    if (at >= names.length) continue;
    const end = names.indexOf(0, at);
    out.push(names.toString('latin1', at, end < 0 ? Math.min(names.length, at + 256) : Math.min(end, at + 256)));
  }
  return out;
}
