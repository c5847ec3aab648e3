/**
 * How big gcore's core of a process will be, from /proc/PID/smaps and
 * /proc/PID/coredump_filter, before anything is run (pure, total).
 *
 * gdb's gcore (use-coredump-filter on, dump-excluded-mappings off: its
 * defaults) writes every mapping the coredump filter selects IN FULL, zero
 * pages and PROT_NONE reservations included (the file is not sparse), plus
 * the ELF header page of file mappings it otherwise skips. Measured
 * (docs/remediation.md): the suite's deadlocked C child 42.6 MB (VmSize 44.5 MB,
 * VmRSS 0.9 MB); a JVM's hung child 2.40 GB = its VmSize (VmRSS 174 MB): the
 * reserved Java heap and class space are anonymous private mappings. So RSS
 * says nothing; the sum of the selected mappings' sizes is the honest estimate.
 */

/** coredump_filter bits (core(5)). */
const ANON_PRIVATE = 0x1;
const ANON_SHARED = 0x2;
const FILE_PRIVATE = 0x4;
const FILE_SHARED = 0x8;
const ELF_HEADERS = 0x10;
/** The kernel's default filter, used when coredump_filter cannot be read. */
export const DEFAULT_COREDUMP_FILTER = 0x33;
const PAGE = 4096;
/** Bound on the lines looked at (a JVM has a few hundred mappings, ~25 lines each). */
const MAX_LINES = 2_000_000;

export interface CoreEstimate {
  /** Bytes gcore is expected to write (mapping contents only; headers and notes add a few KiB). */
  bytes: number;
  mappings: number;
  /** Mappings counted in full. */
  dumped: number;
  filter: number;
  warnings: string[];
}

const HEADER =
  /^([0-9a-f]{1,16})-([0-9a-f]{1,16}) ([r-][w-][x-][ps]) [0-9a-f]{1,16} [0-9a-f]{1,8}:[0-9a-f]{1,8} ([0-9]{1,20})\s*(.{0,4096})$/;

interface Mapping {
  size: number;
  shared: boolean;
  inode: number;
  path: string;
  offset0: boolean;
  anonymousKb: number;
  dontDump: boolean;
}

export function parseCoredumpFilter(text: string | null): number {
  const m = text ? /^\s*([0-9a-fA-F]{1,8})\s*$/.exec(text) : null;
  return m ? parseInt(m[1]!, 16) : DEFAULT_COREDUMP_FILTER;
}

export function estimateCoreBytes(smaps: string, filter = DEFAULT_COREDUMP_FILTER): CoreEstimate {
  const out: CoreEstimate = { bytes: 0, mappings: 0, dumped: 0, filter, warnings: [] };
  const lines = smaps.split('\n');
  if (lines.length > MAX_LINES) out.warnings.push(`smaps cut at ${MAX_LINES} lines`);
  let cur: Mapping | null = null;
  const finish = (): void => {
    if (!cur) return;
    out.mappings++;
    const bytes = bytesDumped(cur, filter);
    if (bytes === cur.size && bytes > 0) out.dumped++;
    out.bytes += bytes;
  };
  for (const line of lines.slice(0, MAX_LINES)) {
    const h = HEADER.exec(line);
    if (h) {
      finish();
      const start = parseInt(h[1]!, 16);
      const end = parseInt(h[2]!, 16);
      const offset = line.split(' ')[2] ?? '';
      cur = {
        size: Math.max(0, end - start),
        shared: h[3]![3] === 's',
        inode: Number(h[4]),
        path: h[5]!.trim(),
        offset0: /^0+$/.test(offset),
        anonymousKb: 0,
        dontDump: false,
      };
      continue;
    }
    if (!cur) continue;
    const anon = /^Anonymous:\s+([0-9]{1,15}) kB/.exec(line);
    if (anon) cur.anonymousKb = Number(anon[1]);
    else if (line.startsWith('VmFlags:')) cur.dontDump = / dd\b/.test(line);
  }
  finish();
  if (out.mappings === 0) out.warnings.push('no mappings parsed');
  return out;
}

/** gdb's dump_mapping_p, as far as smaps tells: whole mapping, its ELF header page, or nothing. */
function bytesDumped(m: Mapping, filter: number): number {
  if (m.dontDump) return 0;
  const anonymous = m.inode === 0 || m.path === '' || m.path.startsWith('[') || m.anonymousKb > 0;
  const bit = m.shared ? (anonymous ? ANON_SHARED : FILE_SHARED) : anonymous ? ANON_PRIVATE : FILE_PRIVATE;
  if (filter & bit) return m.size;
  // A file mapping it skips: only the first page when it holds an ELF header.
  if (!anonymous && m.offset0 && filter & ELF_HEADERS) return Math.min(PAGE, m.size);
  return 0;
}
