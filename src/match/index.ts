/**
 * The match stage's public face: load the library once, then match parsed
 * stacks against it. The daemon calls loadSignatures at start (and on
 * reload), and matchSignatures on each captured ParsedStack's threads.
 */
import { parseStack } from '../capture/parse/index.js';
import type { ParsedStack, StackFormat } from '../capture/types.js';
import { matchSignatures } from './matcher.js';
import type { MatchResult, Signature } from './types.js';

export { loadSignatures, loadSignatureFile, parseSignatureText, formatLoadError, SHIPPED_SIGNATURES_DIR } from './load.js';
export { matchSignatures, matchOneSignature, MAX_MATCH_DEPTH, UNNAMED } from './matcher.js';
export { fingerprintFrames, fingerprintThreads, FINGERPRINT_DEPTH } from './fingerprint.js';
export type * from './types.js';

/** Parse a dump (format detected unless given) and match it: the whole of `forkwatch classify`, as data. */
export function classifyStackText(text: string, signatures: readonly Signature[], format?: StackFormat): { stack: ParsedStack; match: MatchResult } {
  const stack = parseStack(text, format);
  return { stack, match: matchSignatures(stack.threads, signatures) };
}
