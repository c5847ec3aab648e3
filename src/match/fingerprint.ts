/**
 * One fingerprint per hang, whichever tool captured it and whatever symbols
 * it had (docs/signatures.md, "Fingerprint"). The same hung child prints
 * differently under eu-stack and gdb (gdb shows inlined frames, eu-stack
 * without -v does not), and with or without libc debug symbols (glibc
 * internals are named, or `??`). So the fingerprint hashes only what every
 * capture of the hang shares:
 *
 *  1. inlined frames are dropped (gdb: the outer frame prints no address;
 *     eu-stack -v: the outer frame has the same address);
 *  2. each name is normalized (normalizeFunctionName, then `__libc_` dropped:
 *     `__GI___libc_malloc` ≡ `malloc`, `__libc_fork` ≡ `fork`); frames without
 *     a name, and frames of the shipped vocabulary's lock, wait-primitive and
 *     libc-internal lists are dropped (they are the part that varies);
 *  3. the frames that define the hang are kept: those above fork (at most
 *     ABOVE_FORK), fork, and CALLERS_BELOW_FORK named callers; without fork in
 *     the stack, the innermost NO_FORK_DEPTH remaining names.
 *
 * Addresses, offsets, arguments, sources, tids and paths never enter it.
 * Version 1 (the top 8 names as printed) is kept for stored incidents only.
 */
import { createHash } from 'node:crypto';
import type { Frame, Thread } from '../capture/types.js';
import { FINGERPRINT_VERSION } from './fingerprint-version.js';
import { shippedVocabulary } from './load.js';
import { compileVocabulary, hasRole, type CompiledVocabulary } from './vocabulary.js';

export { FINGERPRINT_VERSION };
/** Version 1's depth (kept for fingerprintFramesV1). */
export const FINGERPRINT_DEPTH = 8;
export const ABOVE_FORK = 8;
export const CALLERS_BELOW_FORK = 1;
export const NO_FORK_DEPTH = 4;
/** Frames looked at, as in the matcher. */
const MAX_DEPTH = 256;
const LIBC_PREFIX = /^libc_(?=[A-Za-z])/;

let compiledShipped: CompiledVocabulary | null = null;
/** The shipped vocabulary only: a host's own lists must not change fingerprints (they group across hosts). Held strongly: it is small. */
function vocabulary(): CompiledVocabulary {
  compiledShipped ??= compileVocabulary(shippedVocabulary().vocabulary);
  return compiledShipped;
}

/** 16 hex characters of sha256 over the hang's defining names; "none" without frames. */
export function fingerprintFrames(frames: readonly Frame[]): string {
  if (frames.length === 0) return 'none';
  return createHash('sha256')
    .update(`fingerprint/${FINGERPRINT_VERSION}\n${hangNames(frames).join('\n')}`)
    .digest('hex')
    .slice(0, 16);
}

/** The names a fingerprint hashes (exported for `classify` and the tests). */
export function hangNames(frames: readonly Frame[]): string[] {
  const cv = vocabulary();
  const names: string[] = [];
  const top = frames.slice(0, MAX_DEPTH);
  top.forEach((f, i) => {
    if (isInlined(top, i)) return;
    const name = canonicalName(cv, f.normalized);
    if (name !== null) names.push(name);
  });
  const fork = names.indexOf('fork');
  if (fork < 0) return names.slice(0, NO_FORK_DEPTH);
  return [
    ...names.slice(Math.max(0, fork - ABOVE_FORK), fork),
    'fork',
    ...names.slice(fork + 1, fork + 1 + CALLERS_BELOW_FORK),
  ];
}

/**
 * Names a lock list took in after this fingerprint version was fixed: the
 * version keeps them, as it did when they were in no list, so that the same
 * hang keeps its fingerprint across the release (the golden test holds every
 * tuning dump to that). Emptied when FINGERPRINT_VERSION is next raised.
 * `pthread_once`: old glibc's assembly once wait (signatures/vocabulary.yaml, once-wait).
 */
const KEPT_BY_THIS_VERSION: ReadonlySet<string> = new Set(['pthread_once']);

/** null: the frame is left out (no name, a lock or wait primitive, a libc internal). */
function canonicalName(cv: CompiledVocabulary, normalized: string | null): string | null {
  if (normalized === null) return null;
  const name = normalized.replace(LIBC_PREFIX, '');
  if (KEPT_BY_THIS_VERSION.has(name)) return name;
  if (hasRole(cv, 'fork', normalized) || hasRole(cv, 'fork', name)) return 'fork';
  for (const n of name === normalized ? [name] : [normalized, name]) {
    if (hasRole(cv, 'lock', n) || hasRole(cv, 'primitive', n) || hasRole(cv, 'internal', n)) return null;
  }
  return name;
}

/**
 * Frame i was inlined into frame i+1: eu-stack -v prints both at one address;
 * gdb prints the outer one (never frame #0) without an address, where the
 * dump prints addresses at all.
 */
function isInlined(frames: readonly Frame[], i: number): boolean {
  const outer = frames[i + 1];
  if (!outer) return false;
  const here = frames[i]!;
  if (outer.address !== null && outer.address === here.address) return true;
  // gdb prints an inlined frame's caller without an address, and with its source (inlining needs
  // debug info); a frame with neither (gdb `info symbol` lines) is not an inlined frame's caller.
  return (
    outer.address === null && (outer.source ?? null) !== null && frames.some((f, k) => k > 0 && f.address !== null)
  );
}

/** The fingerprint of the thread that matters: `threadIndex` (a match's), else the first with frames. */
export function fingerprintThreads(threads: readonly Thread[], threadIndex?: number): string {
  const chosen = threadIndex !== undefined ? threads[threadIndex] : threads.find((t) => t.frames.length > 0);
  return fingerprintFrames(chosen?.frames ?? []);
}

/** Version 1, for reference: sha256 over the top 8 normalized names as printed, unnamed frames as `?`. */
export function fingerprintFramesV1(frames: readonly Frame[], depth = FINGERPRINT_DEPTH): string {
  const top = frames.slice(0, depth).map((f) => f.normalized ?? '?');
  if (top.length === 0) return 'none';
  return createHash('sha256').update(top.join('\n')).digest('hex').slice(0, 16);
}
