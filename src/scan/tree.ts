/**
 * Walking a target's descendants, whatever tells us the children: procfs
 * children files (cost ∝ the target's own tree) or a full listing's ppid map.
 */
import type { ProcessInfo } from './types.js';

export interface Descendant {
  info: ProcessInfo;
  /** 1 for a direct child, 2 for a grandchild, ... */
  depth: number;
}

export interface TreeView {
  /** Direct children; 'unsupported' when this view cannot tell without a full listing. */
  childrenOf(pid: number): number[] | 'unsupported';
  /** The process in full, or null when it vanished (the view counts it). */
  info(pid: number): ProcessInfo | null;
}

export interface WalkLimits {
  maxDepth: number;
  maxNodes: number;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = { maxDepth: 16, maxNodes: 4096 };

export interface Walk {
  descendants: Descendant[];
  unsupported: boolean;
  /** A limit cut the walk short. */
  truncated: boolean;
}

/**
 * Breadth-first below root. `descendInto` says whether a child's own children
 * matter (forkwatch follows never-exec'd clones only: an exec'd child's
 * subtree belongs to the program it runs).
 */
export function walkDescendants(
  rootPid: number,
  view: TreeView,
  descendInto: (d: Descendant) => boolean,
  limits: WalkLimits = DEFAULT_WALK_LIMITS,
): Walk {
  const out: Walk = { descendants: [], unsupported: false, truncated: false };
  const seen = new Set<number>([rootPid]);
  let frontier: number[] = [rootPid];
  for (let depth = 1; frontier.length > 0; depth++) {
    if (depth > limits.maxDepth) {
      out.truncated = true;
      break;
    }
    const next: number[] = [];
    for (const pid of frontier) {
      const kids = view.childrenOf(pid);
      if (kids === 'unsupported') return { ...out, unsupported: true };
      for (const kid of kids) {
        if (seen.has(kid)) continue;
        seen.add(kid);
        if (out.descendants.length >= limits.maxNodes) {
          out.truncated = true;
          return out;
        }
        const info = view.info(kid);
        if (!info || info.ppid !== pid) continue; // vanished, or a reused pid now elsewhere
        const d = { info, depth };
        out.descendants.push(d);
        if (descendInto(d)) next.push(kid);
      }
    }
    frontier = next;
  }
  return out;
}

export function childrenMap(processes: Iterable<Pick<ProcessInfo, 'pid' | 'ppid'>>): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const p of processes) addChild(map, p);
  return map;
}

/** One process into a ppid → child pids map: a listing streamed through, never kept. */
export function addChild(map: Map<number, number[]>, p: Pick<ProcessInfo, 'pid' | 'ppid'>): void {
  const list = map.get(p.ppid);
  if (list) list.push(p.pid);
  else map.set(p.ppid, [p.pid]);
}
