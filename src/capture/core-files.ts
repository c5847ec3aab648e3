/**
 * The cores directory, `${stateDir}/cores/`: mode 0700 (a core is the hung
 * child's memory, i.e. a copy of the JVM's: credentials, tokens, keys), files
 * 0600, named `<incidentId>.<pid>` (what `gcore -o <dir>/<incidentId> <pid>`
 * writes). What is kept is bounded twice: by retention (a core goes with its
 * incident) and by total size (at most CORE_TOTAL_FACTOR × core.maxBytes in
 * all, oldest evicted first).
 */
import { chmodSync, mkdirSync, readdirSync, rmSync, statSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

/** All cores together stay under this many times core.maxBytes (the new one included). */
export const CORE_TOTAL_FACTOR = 4;
const CORE_NAME = /^([0-9A-Za-z_-]{1,64})\.([0-9]{1,10})$/;

export interface CoreFile {
  name: string;
  path: string;
  incidentId: string;
  pid: number;
  bytes: number;
  mtimeMs: number;
}

export function coresDir(stateDir: string): string {
  return join(stateDir, 'cores');
}

/** Create (or tighten) the directory: 0700 whatever the umask. */
export function ensureCoresDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** The core files in dir (other names are not ours: left alone). */
export function listCoreFiles(dir: string): CoreFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: CoreFile[] = [];
  for (const name of names) {
    const m = CORE_NAME.exec(name);
    if (!m) continue;
    try {
      const st = statSync(join(dir, name));
      if (st.isFile())
        out.push({
          name,
          path: join(dir, name),
          incidentId: m[1]!,
          pid: Number(m[2]),
          bytes: st.size,
          mtimeMs: st.mtimeMs,
        });
    } catch {
      /* removed meanwhile */
    }
  }
  // Code-unit order, not localeCompare: names are ASCII, and collation would map ICU data (RSS) for nothing.
  return out.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function removeQuietly(path: string): boolean {
  try {
    rmSync(path, { force: true });
    return true;
  } catch {
    return false;
  }
}

export interface SweepDecision {
  file: CoreFile;
  reason: string;
}

/**
 * Which cores to delete: those `keep` rejects (no such incident, or resolved
 * past retention: keep returns the reason), then the oldest until the rest
 * plus `reserveBytes` (room for the core about to be taken) fit in the total.
 */
export function planSweep(
  files: CoreFile[],
  keep: (incidentId: string) => string | null,
  totalBytes: number,
  reserveBytes = 0,
): SweepDecision[] {
  const out: SweepDecision[] = [];
  const kept: CoreFile[] = [];
  for (const f of files) {
    const why = keep(f.incidentId);
    if (why) out.push({ file: f, reason: why });
    else kept.push(f);
  }
  let sum = kept.reduce((a, f) => a + f.bytes, 0) + reserveBytes;
  for (const f of kept) {
    if (sum <= totalBytes) break;
    out.push({
      file: f,
      reason: `cores over ${totalBytes} bytes in all (${CORE_TOTAL_FACTOR} × core.maxBytes): oldest removed`,
    });
    sum -= f.bytes;
  }
  return out;
}

/** Bytes free to us on the filesystem holding dir, or null when statfs fails. */
export function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}
