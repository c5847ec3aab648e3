/**
 * The pure matcher: (threads, signatures) → which signatures match, on which
 * thread, with which frames. A rule is an ordered list of frame patterns,
 * innermost first, with bounded or unlimited gaps; it is tried by a memoized
 * search over (pattern, frame) so any stack and rule cost at most
 * patterns × frames² cheap steps, each regex tested once per frame.
 */
import type { Frame, Thread } from '../capture/types.js';
import { compileSafeRegex, type SafeRegex } from '../util/safe-regex.js';
import { fingerprintThreads } from './fingerprint.js';
import type { FramePattern, MatchResult, Signature, SignatureMatch, SignatureRule } from './types.js';

/** Only the innermost frames are searched: post-fork deadlocks sit at the top of the stack. */
export const MAX_MATCH_DEPTH = 256;
const DEFAULT_WITHIN_TOP = 8;
/** A frame name or module longer than this is matched on its first MAX_NAME characters (C++ names can be long, not unbounded). */
const MAX_NAME = 1024;
const FORK_FRAME = /^(?:libc_)?(?:fork|forkx|forkall|forkallx|fork1|fork_compat|Fork|arch_fork)$/;
/** What an fn regex sees for a frame without a name: `\?\?` in a pattern matches it. */
export const UNNAMED = '??';
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

interface CompiledPattern {
  fn: SafeRegex | null;
  module: SafeRegex | null;
  unnamed: boolean;
  maxGap: number;
  optional: boolean;
}

interface CompiledRule {
  name: string;
  patterns: CompiledPattern[];
  withinTop: number;
  belowFork: boolean;
  singleThreaded: boolean;
  unless: SafeRegex | null;
}

const compiledCache = new WeakMap<Signature, CompiledRule[] | null>();

export function matchSignatures(threads: readonly Thread[], signatures: readonly Signature[]): MatchResult {
  const specific: { match: SignatureMatch; order: number }[] = [];
  const generic: { match: SignatureMatch; order: number }[] = [];
  signatures.forEach((sig, order) => {
    const match = matchOneSignature(threads, sig);
    if (match) (sig.generic ? generic : specific).push({ match, order });
  });
  const chosen = (specific.length > 0 ? specific : generic.slice(0, 1)).sort(compareMatches).map((m) => m.match);
  return {
    matches: chosen,
    fingerprint: fingerprintThreads(threads, chosen[0]?.threadIndex),
    deadlock: chosen.some((m) => m.severity !== 'info'),
  };
}

/** Severity first, then the match that pinned more frames, then library order. */
function compareMatches(a: { match: SignatureMatch; order: number }, b: { match: SignatureMatch; order: number }): number {
  return (
    SEVERITY_RANK[a.match.severity] - SEVERITY_RANK[b.match.severity] ||
    b.match.frameIndexes.length - a.match.frameIndexes.length ||
    a.order - b.order
  );
}

/** The first (thread, rule) where the signature matches, or null. */
export function matchOneSignature(threads: readonly Thread[], sig: Signature): SignatureMatch | null {
  const rules = compileSignature(sig);
  if (!rules) return null;
  for (let t = 0; t < threads.length; t++) {
    const frames = threads[t]!.frames.slice(0, MAX_MATCH_DEPTH);
    for (const rule of rules) {
      if (rule.singleThreaded && threads.length !== 1) continue;
      const indexes = matchRule(frames, rule);
      if (!indexes) continue;
      return {
        signatureId: sig.id,
        title: sig.title,
        severity: sig.severity,
        version: sig.version,
        source: sig.source,
        generic: sig.generic === true,
        rule: rule.name,
        threadIndex: t,
        tid: threads[t]!.tid,
        frameIndexes: indexes,
        frames: indexes.map((i) => frames[i]!.normalized ?? UNNAMED),
      };
    }
  }
  return null;
}

/** Matched frame indexes (innermost first) or null. */
function matchRule(frames: readonly Frame[], rule: CompiledRule): number[] | null {
  if (rule.unless && frames.some((f) => f.normalized !== null && rule.unless!.test(f.normalized))) return null;
  const hits = new Map<number, boolean>();
  const hit = (p: number, f: number): boolean => {
    const key = p * MAX_MATCH_DEPTH + f;
    let v = hits.get(key);
    if (v === undefined) {
      v = frameMatches(frames[f]!, rule.patterns[p]!);
      hits.set(key, v);
    }
    return v;
  };
  const failed = new Set<number>();
  // search(p, from, anchored): match patterns p.. with frames from `from`; anchored = nothing matched yet.
  const search = (p: number, from: number, anchored: boolean): number[] | null => {
    if (p === rule.patterns.length) return [];
    const key = (p * (MAX_MATCH_DEPTH + 1) + from) * 2 + (anchored ? 1 : 0);
    if (failed.has(key)) return null;
    const pat = rule.patterns[p]!;
    const last = anchored ? Math.min(frames.length, rule.withinTop) - 1 : Math.min(frames.length - 1, from + pat.maxGap);
    for (let f = from; f <= last; f++) {
      if (!hit(p, f)) continue;
      const rest = search(p + 1, f + 1, false);
      if (rest) return [f, ...rest];
    }
    if (pat.optional) {
      const rest = search(p + 1, from, anchored);
      if (rest) return rest;
    }
    failed.add(key);
    return null;
  };
  const found = search(0, 0, true);
  if (!found || found.length === 0) return null;
  if (rule.belowFork && !frames.slice(found[0]! + 1).some((f) => f.normalized !== null && FORK_FRAME.test(f.normalized))) return null;
  return found;
}

function frameMatches(frame: Frame, pat: CompiledPattern): boolean {
  if (pat.unnamed && frame.normalized !== null) return false;
  if (pat.fn && !pat.fn.test(frame.normalized ?? UNNAMED)) return false;
  if (pat.module && (frame.module === null || !pat.module.test(frame.module))) return false;
  return true;
}

/** Compile once per Signature object; null when a regex does not compile (the loader reports those). */
export function compileSignature(sig: Signature): CompiledRule[] | null {
  if (compiledCache.has(sig)) return compiledCache.get(sig)!;
  let compiled: CompiledRule[] | null;
  try {
    compiled = sig.rules.map((r, i) => compileRule(r, i));
  } catch {
    compiled = null;
  }
  compiledCache.set(sig, compiled);
  return compiled;
}

function compileRule(r: SignatureRule, index: number): CompiledRule {
  return {
    name: r.name ?? `rule ${index}`,
    patterns: r.frames.map(compilePattern),
    withinTop: r.withinTop ?? DEFAULT_WITHIN_TOP,
    belowFork: r.belowFork === true,
    singleThreaded: r.singleThreaded === true,
    unless: r.unless ? anchored(r.unless) : null,
  };
}

function compilePattern(p: FramePattern): CompiledPattern {
  return {
    fn: p.fn !== undefined ? anchored(p.fn) : null,
    module: p.module !== undefined ? compileSafeRegex(p.module, { maxInput: MAX_NAME }) : null,
    unnamed: p.unnamed === true,
    maxGap: p.maxGap ?? Number.MAX_SAFE_INTEGER,
    optional: p.optional === true,
  };
}

function anchored(source: string): SafeRegex {
  return compileSafeRegex(source, { whole: true, maxInput: MAX_NAME });
}
