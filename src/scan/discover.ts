/**
 * Target discovery: does a process belong to a configured target? Pure;
 * pidfiles and user names are read by the caller (readPidfile, users.ts).
 * Every selector a target sets must hold (they narrow each other).
 */
import { readFileBounded } from '../util/read-file-bounded.js';
import type { TargetConfig } from '../config/config.js';
import type { ProcessInfo } from './types.js';
import type { LightNeeds } from './procfs.js';
import { cmdlineText } from '../proc/parse/cmdline.js';

export interface DiscoveryContext {
  /** pid named by each pidfile (null: unreadable or malformed). */
  pidfilePid(path: string): number | null;
  userName(uid: number): string | null;
  /** Never match ourselves (forkwatch's own cmdline may name jenkins.war in a flag). */
  selfPid: number;
}

export function matchesTarget(t: TargetConfig, p: ProcessInfo, ctx: DiscoveryContext): boolean {
  if (p.pid === ctx.selfPid || p.state === 'zombie') return false;
  if (t.pid !== undefined && p.pid !== t.pid) return false;
  if (t.pidfile !== undefined && p.pid !== ctx.pidfilePid(t.pidfile)) return false;
  if (t.cmdline && (p.cmdline.length === 0 || !t.cmdline.test(cmdlineText(p.cmdline)))) return false;
  if (t.exe && (p.exe === null || !t.exe.test(p.exe))) return false;
  if (t.user) {
    const name = p.uid === null ? null : ctx.userName(p.uid);
    const uid = p.uid === null ? null : String(p.uid);
    if (!(name !== null && t.user.test(name)) && !(uid !== null && t.user.test(uid))) return false;
  }
  return true;
}

/** "1234\n" → 1234; anything else → null. */
export function parsePidfile(text: string): number | null {
  const m = /^\s*(\d{1,10})\s*$/.exec(text.slice(0, 64));
  const pid = m ? Number(m[1]) : 0;
  return pid > 0 ? pid : null;
}

export function readPidfile(path: string): number | null {
  try {
    // Bounded: whoever can write the pidfile's folder could leave a FIFO or a device there.
    return parsePidfile(readFileBounded(path, 4096).bytes.toString('utf8'));
  } catch {
    return null;
  }
}

/** Which kinds of data a set of targets needs from a full scan beyond stat + cmdline. */
export function discoveryNeeds(targets: TargetConfig[]): LightNeeds {
  return { exe: targets.some((t) => t.exe !== undefined), status: targets.some((t) => t.user !== undefined) };
}
