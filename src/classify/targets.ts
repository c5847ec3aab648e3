/**
 * From a full listing to the watched JVMs: processes a configured target
 * matches, minus the target's own never-exec'd clones (a hung child has the
 * target's cmdline, so it matches the same selector).
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

/** Walk up through same-image parents: a clone of a matched process is its child, not a target. */
function isCloneOfMatch(p: ProcessInfo, byPid: Map<number, ProcessInfo>, hits: Map<number, string>, compareComm: boolean): boolean {
  let cur = p;
  for (let i = 0; i < 16; i++) {
    const parent = byPid.get(cur.ppid);
    if (!parent || parent.pid === cur.pid || !sameImage(parent, cur, { compareComm })) return false;
    if (hits.has(parent.pid)) return true;
    cur = parent;
  }
  return false;
}
