/**
 * The match stage's public face: load the library once, then match parsed
 * stacks against it. The daemon calls loadSignatures at start (and on
 * reload), and matchSignatures on each captured ParsedStack's threads.
 */
import { parseStack } from '../capture/parse/index.js';
import type { ParsedStack, StackFormat } from '../capture/types.js';
import { matchSignatures } from './matcher.js';
import type { MatchOptions, MatchResult, Signature } from './types.js';

export {
  loadSignatures,
  loadSignatureFile,
  parseSignatureText,
  formatLoadError,
  shippedVocabulary,
  SHIPPED_SIGNATURES_DIR,
} from './load.js';
export { matchSignatures, matchOneSignature, MAX_MATCH_DEPTH, UNNAMED } from './matcher.js';
export {
  fingerprintFrames,
  fingerprintFramesV1,
  fingerprintThreads,
  hangNames,
  FINGERPRINT_DEPTH,
  FINGERPRINT_VERSION,
} from './fingerprint.js';
export { compileVocabulary, lockWaitOf, lockNameOf, hasRole } from './vocabulary.js';
export { threadWaits, WAIT_KINDS, type ThreadWait, type WaitKind } from './waits.js';
export type * from './types.js';

/**
 * Which deadlock does this dump show? Parse it (format detected unless given)
 * and match it: the whole of `forkwatch classify` and POST /api/v1/classify, as
 * data. (The classify stage, src/classify/, asks another question: is this
 * child never exec'd?)
 */
export function diagnoseStackText(
  text: string,
  signatures: readonly Signature[],
  format?: StackFormat,
  options: MatchOptions = {},
): { stack: ParsedStack; match: MatchResult } {
  const stack = parseStack(text, format);
  return { stack, match: matchSignatures(stack.threads, signatures, options) };
}
