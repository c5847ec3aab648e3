/** The signature library and matcher's plain data. */

export interface FramePattern {
  /** Regex on the normalized function name (anchored by the loader: ^...$). */
  fn: string;
  /** Optional regex on the module/library. */
  module?: string;
  /** Frames allowed to be skipped before this one (default: unlimited gaps). */
  maxGap?: number;
  optional?: boolean;
}

export interface SignatureRule {
  /** Innermost first: the first pattern must match at or near the top of the stack. */
  frames: FramePattern[];
  /** The first pattern must match within the top N frames (default 8). */
  withinTop?: number;
  /** Context conditions. */
  belowFork?: boolean;
  singleThreaded?: boolean;
}

export interface Signature {
  id: string;
  title: string;
  description: string;
  severity: 'critical' | 'warning' | 'info';
  references: { title: string; url?: string }[];
  /** Any rule matching makes the signature match (e.g. with and without symbols). */
  rules: SignatureRule[];
  /** Generic fallbacks match only when no specific signature did. */
  generic?: boolean;
  /** Library file version it came from. */
  version: string;
  source: string;
}

export interface SignatureMatch {
  signatureId: string;
  title: string;
  severity: Signature['severity'];
  version: string;
  threadIndex: number;
  /** Indexes of matched frames in that thread, innermost first. */
  frameIndexes: number[];
  /** The matched frames' normalized names, for display. */
  frames: string[];
}

export interface MatchResult {
  matches: SignatureMatch[];
  /** Stable fingerprint of the top normalized frames (addresses, offsets removed). */
  fingerprint: string;
  /** True when any non-info signature matched. */
  deadlock: boolean;
}
