/**
 * A stable fingerprint of a stack, so unknown stacks group across hosts and
 * restarts: a hash of the top normalized frame names. Addresses, offsets,
 * argument values, tids and paths are left out (ASLR and builds change them);
 * a frame without a name counts as `?`.
 */
import { createHash } from 'node:crypto';
import type { Frame, Thread } from '../capture/types.js';

export const FINGERPRINT_DEPTH = 8;

/** 16 hex characters of sha256 over the top `depth` normalized names; "none" without frames. */
export function fingerprintFrames(frames: readonly Frame[], depth = FINGERPRINT_DEPTH): string {
  const top = frames.slice(0, depth).map((f) => f.normalized ?? '?');
  if (top.length === 0) return 'none';
  return createHash('sha256').update(top.join('\n')).digest('hex').slice(0, 16);
}

/** The fingerprint of the thread that matters: `threadIndex` (a match's), else the first with frames. */
export function fingerprintThreads(threads: readonly Thread[], threadIndex?: number, depth = FINGERPRINT_DEPTH): string {
  const chosen = threadIndex !== undefined ? threads[threadIndex] : threads.find((t) => t.frames.length > 0);
  return fingerprintFrames(chosen?.frames ?? [], depth);
}
