/**
 * From a full listing to the watched JVMs: processes a configured target
 * matches, minus the target's own never-exec'd clones (a hung child has the
 * target's cmdline, so it matches the same selector). discoverStreaming gives
 * the same answer without keeping the listing.
 */
import type { TargetConfig } from '../config/config.js';
import { matchesTarget, type DiscoveryContext } from '../scan/discover.js';
import type { ProcessInfo } from '../scan/types.js';
import { sameImage } from './image.js';

export interface Matched {
  name: string;
  process: ProcessInfo;
}

export function discoverTargets(
  targets: TargetConfig[],
  listing: ProcessInfo[],
  ctx: DiscoveryContext,
  compareComm = false,
): { matched: Matched[]; missing: string[] } {
  const byPid = new Map(listing.map((p) => [p.pid, p]));
  const hits = new Map<number, string>();
  for (const p of listing) {
    const t = targets.find((t) => matchesTarget(t, p, ctx));
    if (t) hits.set(p.pid, t.name);
  }
  const matched: Matched[] = [];
  for (const [pid, name] of hits) {
    const p = byPid.get(pid)!;
    if (!isCloneOfMatch(p, byPid, hits, compareComm)) matched.push({ name, process: p });
  }
  const found = new Set(matched.map((m) => m.name));
  return { matched, missing: targets.map((t) => t.name).filter((n) => !found.has(n)) };
}

/** How far up isCloneOfMatch (and so discoverStreaming) follows same-image parents. */
const CLONE_ANCESTRY_LIMIT = 16;

/** Walk up through same-image parents: a clone of a matched process is its child, not a target. */
function isCloneOfMatch(
  p: ProcessInfo,
  byPid: Map<number, ProcessInfo>,
  hits: Map<number, string>,
  compareComm: boolean,
): boolean {
  let cur = p;
  for (let i = 0; i < CLONE_ANCESTRY_LIMIT; i++) {
    const parent = byPid.get(cur.ppid);
    if (!parent || parent.pid === cur.pid || !sameImage(parent, cur, { compareComm })) return false;
    if (hits.has(parent.pid)) return true;
    cur = parent;
  }
  return false;
}

/** A process source discoverStreaming can use: every process once, then single processes again. */
export interface ProcessStream {
  /** Visit every process; false when they cannot be listed. */
  each(visit: (p: ProcessInfo) => void): boolean;
  /** One process read again the way each reads it; null when gone or unreadable. */
  read(pid: number): ProcessInfo | null;
}

/**
 * discoverTargets over a stream (procfs, compareComm false), keeping only the
 * processes a target matches, so unrelated ones die young. Clone elimination
 * needs the same-image parents isCloneOfMatch walks through: those are read
 * again one by one (few: a clone's parent is usually itself a match). Null
 * when the stream cannot list processes.
 */
export function discoverStreaming(
  targets: TargetConfig[],
  stream: ProcessStream,
  ctx: DiscoveryContext,
): { matched: Matched[]; missing: string[] } | null {
  const hits: ProcessInfo[] = [];
  const listed = stream.each((p) => {
    if (targets.some((t) => matchesTarget(t, p, ctx))) hits.push(p);
  });
  return listed ? discoverTargets(targets, withCloneAncestry(hits, stream), ctx) : null;
}

/** hits plus every same-image ancestor isCloneOfMatch would step through, read as needed. */
function withCloneAncestry(hits: ProcessInfo[], stream: ProcessStream): ProcessInfo[] {
  const known = new Map<number, ProcessInfo | null>(hits.map((p) => [p.pid, p]));
  const isHit = new Set(known.keys());
  const kept = new Set(isHit);
  const out = [...hits];
  const lookUp = (pid: number) => {
    if (!known.has(pid)) known.set(pid, stream.read(pid));
    return known.get(pid) ?? null;
  };
  for (const hit of hits) {
    let cur = hit;
    for (let i = 0; i < CLONE_ANCESTRY_LIMIT && !isHit.has(cur.ppid); i++) {
      const parent = lookUp(cur.ppid);
      if (!parent || parent.pid === cur.pid || !sameImage(parent, cur)) break;
      if (!kept.has(parent.pid)) {
        kept.add(parent.pid);
        out.push(parent);
      }
      cur = parent;
    }
  }
  return out;
}
