/**
 * The pure matcher: (threads, signatures) → which signatures match, on which
 * thread, with which frames. A rule is an ordered list of frame patterns,
 * innermost first, with bounded or unlimited gaps; it is tried by a memoized
 * search over (pattern, frame) so any stack and rule cost at most
 * patterns × frames² cheap steps, each regex tested once per frame.
 */
import { MAX_FRAME_CODE, type Frame, type Thread } from '../capture/types.js';
import { threadIndexesByProcess } from '../capture/thread-processes.js';
import { compileSafeRegex, type SafeRegex } from '../util/safe-regex.js';
import { FINGERPRINT_VERSION, fingerprintThreads } from './fingerprint.js';
import type {
  FramePattern,
  MatchOptions,
  MatchResult,
  Signature,
  SignatureMatch,
  SignatureRule,
  Vocabulary,
} from './types.js';
import {
  compileVocabulary,
  condWaitOf,
  listsHolding,
  listsOf,
  lockNameOf,
  lockWaitOf,
  type CompiledVocabulary,
} from './vocabulary.js';

/** Only the innermost frames are searched: post-fork deadlocks sit at the top of the stack. */
export const MAX_MATCH_DEPTH = 256;
/** How many innermost frames a rule's patterns start in and its lock wait is looked for in, unless it says (`withinTop`). */
export const DEFAULT_WITHIN_TOP = 8;
/** A frame name or module longer than this is matched on its first MAX_NAME characters (C++ names can be long, not unbounded). */
const MAX_NAME = 1024;
const FORK_FRAME = /^(?:libc_)?(?:fork|forkx|forkall|forkallx|fork1|fork_compat|Fork|arch_fork)$/;
/** What an fn regex sees for a frame without a name: `\?\?` in a pattern matches it. */
export const UNNAMED = '??';
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

interface CompiledPattern {
  fn: SafeRegex | null;
  /** The name is in one of the pattern's vocabulary lists (compiled once per vocabulary, answers memoized); null without `vocab`. */
  inVocab: ((name: string) => boolean) | null;
  module: SafeRegex | null;
  args: SafeRegex | null;
  code: SafeRegex | null;
  source: SafeRegex | null;
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
  multiThreaded: boolean;
  forkedChild: boolean;
  lockWait: boolean;
  condWait: boolean;
  noReleaser: boolean;
  sampledThroughout: boolean;
  ownerGone: boolean;
  unless: SafeRegex | null;
  unlessVocab: ((name: string) => boolean) | null;
  /** The signature's vocabulary, compiled (for lockWait / noReleaser). */
  vocabulary: CompiledVocabulary | null;
}

const compiledCache = new WeakMap<Signature, CompiledRule[] | null>();

/**
 * Which signatures match the dump. A paste of several processes (threads
 * with `process` set: gdb -batch per PID, `parent:` and `child:` blocks) is
 * judged one process at a time, as if each were pasted alone (a forked
 * child has its own threads, whatever the parent's do); the result is the
 * process with the most severe match, the first such in the paste, its
 * thread indexes counted in the whole dump.
 */
export function matchSignatures(
  threads: readonly Thread[],
  signatures: readonly Signature[],
  options: MatchOptions = {},
): MatchResult {
  const groups = processGroups(threads);
  if (groups === null) return resultOf(threads, chooseMatches(threads, signatures, optionsFor(threads, options)));
  let best: { chosen: SignatureMatch[]; indexes: number[] } | null = null;
  for (const indexes of groups) {
    const group = indexes.map((i) => threads[i]!);
    const chosen = chooseMatches(group, signatures, optionsFor(group, options));
    if (best === null || worseMatches(best.chosen, chosen)) best = { chosen, indexes };
  }
  const { chosen, indexes } = best!;
  const result = resultOf(
    indexes.map((i) => threads[i]!),
    chosen,
  );
  return { ...result, matches: chosen.map((m) => ({ ...m, threadIndex: indexes[m.threadIndex]! })) };
}

/**
 * A process the paste itself labels a child (`child:` above its stack: every
 * thread `labelledChild`) is judged as `classify --forked-child` judges one.
 */
function optionsFor(threads: readonly Thread[], options: MatchOptions): MatchOptions {
  if (options.forkedChild === true || threads.length === 0 || !threads.every((t) => t.labelledChild === true))
    return options;
  return { ...options, forkedChild: true };
}

/** Thread indexes by process, in paste order; null when the dump is of one process. */
function processGroups(threads: readonly Thread[]): number[][] | null {
  // the usual dump is of one process (no field, or all 0): no index arrays built for it
  if (!threads.some((t) => (t.process ?? 0) > 0)) return null;
  const groups = threadIndexesByProcess(threads);
  return groups.length > 1 ? groups : null;
}

function isDeadlock(chosen: readonly SignatureMatch[]): boolean {
  return chosen.some((m) => m.severity !== 'info');
}

/** a is worse than b: b is a deadlock and a is not, or b's first match is more severe or pins more frames. */
function worseMatches(a: readonly SignatureMatch[], b: readonly SignatureMatch[]): boolean {
  if (isDeadlock(a) !== isDeadlock(b)) return isDeadlock(b);
  const x = a[0];
  const y = b[0];
  if (!y) return false;
  if (!x) return true;
  return compareMatches({ match: y, order: 0 }, { match: x, order: 0 }) < 0;
}

/** The result for one process: its matches, and the fingerprint of the thread that matters (computed once, for the chosen process). */
function resultOf(threads: readonly Thread[], chosen: SignatureMatch[]): MatchResult {
  return {
    matches: chosen,
    fingerprint: fingerprintThreads(threads, chosen[0]?.threadIndex),
    fingerprintVersion: FINGERPRINT_VERSION,
    deadlock: isDeadlock(chosen),
  };
}

/**
 * Specific matches, best first, superseded ones dropped; the most severe
 * generic one when no specific match says more than info (an info note, such
 * as the parent's side of a fork, never hides a deadlock a generic rule finds).
 */
function chooseMatches(
  threads: readonly Thread[],
  signatures: readonly Signature[],
  options: MatchOptions,
): SignatureMatch[] {
  const specific: { match: SignatureMatch; order: number }[] = [];
  const generic: { match: SignatureMatch; order: number }[] = [];
  const superseded = new Set<string>();
  signatures.forEach((sig, order) => {
    const match = matchOneSignature(threads, sig, options);
    if (!match) return;
    (sig.generic ? generic : specific).push({ match, order });
    if (!sig.generic) for (const id of sig.supersedes ?? []) superseded.add(id);
  });
  const kept = specific.filter((m) => !superseded.has(m.match.signatureId));
  const decided = kept.some((m) => m.match.severity !== 'info');
  return (decided ? kept : [...kept, ...generic.sort(compareMatches).slice(0, 1)])
    .sort(compareMatches)
    .map((m) => m.match);
}

/** Severity first, then the match that pinned more frames, then library order. */
function compareMatches(
  a: { match: SignatureMatch; order: number },
  b: { match: SignatureMatch; order: number },
): number {
  return (
    SEVERITY_RANK[a.match.severity] - SEVERITY_RANK[b.match.severity] ||
    b.match.frameIndexes.length - a.match.frameIndexes.length ||
    a.order - b.order
  );
}

/** The first (thread, rule) where the signature matches, or null. */
export function matchOneSignature(
  threads: readonly Thread[],
  sig: Signature,
  options: MatchOptions = {},
): SignatureMatch | null {
  const rules = compileSignature(sig);
  if (!rules) return null;
  let oneLive: boolean | null = null; // computed on first need: most rules do not ask
  for (let t = 0; t < threads.length; t++) {
    const frames = threads[t]!.frames.slice(0, MAX_MATCH_DEPTH);
    for (const rule of rules) {
      if (rule.singleThreaded && !(oneLive ??= oneLiveThread(threads))) continue;
      if (rule.singleThreaded && idlePoolThread(frames)) continue;
      if (rule.multiThreaded && threads.length < 2) continue;
      if (rule.forkedChild && options.forkedChild !== true) continue;
      // cheap first: a thread with no printed owner (every capture the daemon takes) is let go at once
      const owner = rule.ownerGone ? goneOwner(threads, t) : null;
      if (rule.ownerGone && owner === null) continue;
      const wait = rule.lockWait ? lockWaitOf(rule.vocabulary!, frames, rule.withinTop) : null;
      if (rule.lockWait && (!wait || (rule.noReleaser && !noLiveReleaser(threads, t, rule)))) continue;
      if (rule.condWait && !condWaitOf(rule.vocabulary!, frames, rule.withinTop)) continue;
      const indexes = matchRule(frames, rule);
      if (!indexes) continue;
      if (rule.sampledThroughout && !sampledThroughout(threads[t]!, frames[indexes[0]!])) continue;
      const lock = wait ? lockNameOf(frames, wait) : null;
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
        ...(lock !== null ? { lock } : {}),
        ...(owner !== null ? { lockOwner: owner } : {}),
      };
    }
  }
  return null;
}

/**
 * Every other thread of the dump is itself blocked in a lock wait, in a wait
 * that only another thread of the process can end (an untimed condition
 * variable, join or barrier: it cannot run before one of the others does),
 * or is an idle pool thread. Then no thread can run, none waits for an outside
 * event (I/O, a timer), and none is left to release the lock.
 */
function noLiveReleaser(threads: readonly Thread[], t: number, rule: CompiledRule): boolean {
  const cv = rule.vocabulary!;
  return threads.every(
    (th, i) =>
      i === t ||
      idlePoolThread(th.frames) ||
      lockWaitOf(cv, th.frames, rule.withinTop) !== null ||
      condWaitOf(cv, th.frames, rule.withinTop) !== null,
  );
}

/**
 * The owner of a mutex the paste printed while thread t was current, when it
 * is no thread of the process: every thread has its LWP (the reader keeps
 * owners only where it lists the whole process), and none is the owner.
 */
function goneOwner(threads: readonly Thread[], t: number): number | null {
  const owners = threads[t]!.lockOwners;
  if (!owners || threads.some((th) => th.tid === null)) return null;
  return owners.find((n) => !threads.some((th) => th.tid === n)) ?? null;
}

/**
 * A sampling tool (macOS `sample` at 1 ms, spindump at 10 ms) takes this
 * many samples in 0.5 to 5 s: a thread that spent all of them in one frame
 * stayed there that long, where the code it names takes microseconds.
 */
export const MIN_SAMPLES_THROUGHOUT = 500;

/** Every one of the thread's samples, at least MIN_SAMPLES_THROUGHOUT, went through this frame. */
function sampledThroughout(thread: Thread, frame: Frame | undefined): boolean {
  const total = thread.samples;
  return total !== undefined && total >= MIN_SAMPLES_THROUGHOUT && frame?.samples === total;
}

/**
 * Exactly one thread that is not an idle pool thread: a one-thread process as far as any
 * lock goes. A sample or lldb dump of a macOS process lists the workqueue
 * threads libdispatch parked there (a forked child's too); parked between
 * work items they hold no lock, so they cannot release one.
 */
function oneLiveThread(threads: readonly Thread[]): boolean {
  let live = 0;
  for (const th of threads) if (!idlePoolThread(th.frames) && ++live > 1) return false;
  return live === 1;
}

/**
 * macOS starts libdispatch workqueue threads on demand, in a forked child too;
 * parked between work items (`__workq_kernreturn` under `_pthread_wqthread`,
 * or a bare `start_wqthread`) such a thread holds no lock, so it cannot be the
 * one that releases it.
 */
const WORKQUEUE_FRAME = /^(?:workq_kernreturn|pthread_wqthread|start_wqthread)$/;

function idlePoolThread(frames: readonly Frame[]): boolean {
  let named = false;
  for (let i = 0; i < frames.length && i < MAX_MATCH_DEPTH; i++) {
    const name = frames[i]!.normalized;
    if (name === null) continue;
    if (!WORKQUEUE_FRAME.test(name)) return false;
    named = true;
  }
  return named;
}

/** Matched frame indexes (innermost first) or null. */
function matchRule(frames: readonly Frame[], rule: CompiledRule): number[] | null {
  // Cheap first: most rules fail on the first pattern in the top frames; skip the search's set-up then.
  const first = rule.patterns[0]!;
  if (!first.optional && !frames.slice(0, rule.withinTop).some((f) => frameMatches(f, first))) return null;
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
    const last = anchored
      ? Math.min(frames.length, rule.withinTop) - 1
      : Math.min(frames.length - 1, from + pat.maxGap);
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
  // The vetoes look at every frame: only once the patterns matched (most rules fail in the top frames).
  if (rule.unless && frames.some((f) => f.normalized !== null && rule.unless!.test(f.normalized))) return null;
  if (rule.unlessVocab && frames.some((f) => f.normalized !== null && rule.unlessVocab!(f.normalized))) return null;
  if (
    rule.belowFork &&
    !frames.slice(found[0]! + 1).some((f) => f.normalized !== null && FORK_FRAME.test(f.normalized))
  )
    return null;
  return found;
}

function frameMatches(frame: Frame, pat: CompiledPattern): boolean {
  if (pat.unnamed && frame.normalized !== null) return false;
  if (pat.fn || pat.inVocab) {
    const name = frame.normalized ?? UNNAMED;
    if (!(pat.fn?.test(name) ?? false) && !(pat.inVocab?.(name) ?? false)) return false;
  }
  if (pat.module && (frame.module === null || !pat.module.test(frame.module))) return false;
  if (pat.args && (!frame.args || !pat.args.test(frame.args))) return false;
  if (pat.code && (!frame.code || !pat.code.test(frame.code))) return false;
  if (pat.source && (!frame.source || !pat.source.test(frame.source))) return false;
  return true;
}

/** Compile once per Signature object; null when a regex does not compile (the loader reports those). */
export function compileSignature(sig: Signature): CompiledRule[] | null {
  if (compiledCache.has(sig)) return compiledCache.get(sig)!;
  let compiled: CompiledRule[] | null;
  try {
    compiled = sig.rules.map((r, i) => compileRule(r, i, sig.vocabulary ?? {}));
  } catch {
    compiled = null;
  }
  compiledCache.set(sig, compiled);
  return compiled;
}

function compileRule(r: SignatureRule, index: number, vocab: Vocabulary): CompiledRule {
  const usesVocab = r.lockWait || r.condWait || r.noReleaser || r.unlessVocab || r.frames.some((f) => f.vocab);
  const cv = usesVocab ? compileVocabulary(vocab) : null;
  return {
    name: r.name ?? `rule ${index}`,
    patterns: r.frames.map((p) => compilePattern(p, cv, vocab)),
    withinTop: r.withinTop ?? DEFAULT_WITHIN_TOP,
    belowFork: r.belowFork === true,
    singleThreaded: r.singleThreaded === true,
    multiThreaded: r.multiThreaded === true,
    forkedChild: r.forkedChild === true,
    lockWait: r.lockWait === true || r.noReleaser === true,
    condWait: r.condWait === true,
    noReleaser: r.noReleaser === true,
    sampledThroughout: r.sampledThroughout === true,
    ownerGone: r.ownerGone === true,
    unless: r.unless ? anchored(r.unless) : null,
    unlessVocab: r.unlessVocab ? vocabTest(cv!, vocab, r.unlessVocab) : null,
    vocabulary: cv,
  };
}

function compilePattern(p: FramePattern, cv: CompiledVocabulary | null, vocab: Vocabulary): CompiledPattern {
  return {
    fn: p.fn !== undefined ? anchored(p.fn) : null,
    inVocab: p.vocab ? vocabTest(cv!, vocab, p.vocab) : null,
    module: p.module !== undefined ? memoized(compileSafeRegex(p.module, { maxInput: MAX_NAME })) : null,
    args: p.args !== undefined ? compileSafeRegex(p.args, { maxInput: 2048 }) : null,
    code: p.code !== undefined ? compileSafeRegex(p.code, { maxInput: MAX_FRAME_CODE }) : null,
    source: p.source !== undefined ? memoized(compileSafeRegex(p.source, { maxInput: MAX_NAME })) : null,
    unnamed: p.unnamed === true,
    maxGap: p.maxGap ?? Number.MAX_SAFE_INTEGER,
    optional: p.optional === true,
  };
}

/** A test for membership in some lists; an unknown list (the loader reports those) throws, so the signature does not compile. */
function vocabTest(cv: CompiledVocabulary, vocab: Vocabulary, names: readonly string[]): (name: string) => boolean {
  const lists = new Set(listsOf(cv, vocab, names));
  return (name) => listsHolding(cv, name).some((l) => lists.has(l));
}

/** Anchored, and remembering its answers per name: a JVM dump repeats the same names over hundreds of threads. */
function anchored(source: string): SafeRegex {
  return memoized(compileSafeRegex(source, { whole: true, maxInput: MAX_NAME }));
}

/** Answers kept per compiled regex, at most this many (a hostile dump of unique names only clears it). */
const MEMO_MAX = 4096;

function memoized(re: SafeRegex): SafeRegex {
  const memo = new Map<string, boolean>();
  return {
    ...re,
    test: (input) => {
      let v = memo.get(input);
      if (v === undefined) {
        v = re.test(input);
        if (memo.size >= MEMO_MAX) memo.clear();
        memo.set(input, v);
      }
      return v;
    },
  };
}
