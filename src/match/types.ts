/** The signature library and matcher's plain data. Format of the files: docs/signatures.md. */

export interface FramePattern {
  /** Regex on the normalized function name, anchored by the matcher (^(?:...)$); a frame without a name is tested as `??`. Absent: any frame. */
  fn?: string;
  /** Vocabulary lists (signatures/vocabulary.yaml): the frame matches when its name is in any of them, or matches `fn`. */
  vocab?: string[];
  /** Regex searched (unanchored) in the module/library path; a frame with no printed module never matches. */
  module?: string;
  /** Regex searched (unanchored) in the frame's source location (`logging/__init__.py:1028`, `malloc.c:3049`); a frame without one never matches. */
  source?: string;
  /** Regex searched (unanchored) in the frame's printed argument text (gdb `who=atfork_run_prepare`); a frame without it never matches. */
  args?: string;
  /** Regex searched (unanchored) in the source line the frame executes, where the dump prints it (Python tracebacks: `with self._lock:`); a frame without one never matches. */
  code?: string;
  /** true: the frame must have no name (`??`, a bare address): what survives of glibc internals without debug symbols. */
  unnamed?: boolean;
  /** Frames allowed to be skipped between the previous matched frame and this one (default: unlimited gaps). */
  maxGap?: number;
  /** The pattern may be absent; when present it is part of the match. */
  optional?: boolean;
}

export interface SignatureRule {
  /** Shown with a match ("with symbols", "stripped", "jdk pre-exec"); default "rule N". */
  name?: string;
  /** Innermost first: the first pattern must match within the top `withinTop` frames, the next ones further out, in order. */
  frames: FramePattern[];
  /** The first pattern must match within the top N frames (default 8). */
  withinTop?: number;
  /** Context: a fork frame (fork, __libc_fork, forkx, ...) lies below (outward of) the first matched frame. */
  belowFork?: boolean;
  /** Context: the dump has exactly one thread (a forked, never-exec'd child has one); idle macOS workqueue threads are not counted. */
  singleThreaded?: boolean;
  /** Context: the dump has more than one thread (so it is not a forked child: a parent inside fork, say). */
  multiThreaded?: boolean;
  /** Context: the caller says the dump is of a forked child that never exec'd (`classify --forked-child`, the daemon). */
  forkedChild?: boolean;
  /** The matched thread is blocked in a lock wait: its innermost deciding frame is in a `lock` list (docs/signatures.md). */
  lockWait?: boolean;
  /** The matched thread waits on a condition variable, a join or a barrier with no time-out (`cond-wait`, `barrier-wait`, not `timed-wait`). */
  condWait?: boolean;
  /** No live thread of the dump can release the lock: the dump has one thread, or every other thread is blocked in a lock wait or an untimed cond/join/barrier wait (or is an idle workqueue thread). */
  noReleaser?: boolean;
  /**
   * The dump samples the thread over time (macOS `sample`, spindump) and
   * every one of its samples, at least MIN_SAMPLES_THROUGHOUT of them, went
   * through the frame the first pattern matched: the thread stayed there
   * for the whole sampling, not an instant.
   */
  sampledThroughout?: boolean;
  /**
   * The paste printed the mutex the thread waits for (gdb `p *mutex`:
   * `__owner = N`) and its owner N is no thread of the process, whose every
   * thread the paste lists: the thread that holds the lock is gone (a
   * parent's thread, for a forked child), nobody can release it.
   */
  ownerGone?: boolean;
  /** The rule does not match a thread where any frame's normalized name matches this regex (anchored). */
  unless?: string;
  /** The rule does not match a thread where any frame's name is in one of these vocabulary lists. */
  unlessVocab?: string[];
}

export type VocabularyRole =
  | 'lock'
  | 'primitive'
  | 'cond'
  | 'not-lock'
  | 'fork'
  | 'prepare'
  | 'child'
  | 'locking-call'
  | 'internal'
  | 'lock-word'
  | 'not-lock-word';

export interface VocabularyList {
  role: VocabularyRole;
  description?: string;
  /** Regexes (anchored) on normalized names. */
  names: string[];
  /** Files that defined or extended it, in order. */
  sources: string[];
}

/** Named lists of frame names, merged over the library's files (a later file extends a list). */
export type Vocabulary = Record<string, VocabularyList>;

export interface SignatureReference {
  title: string;
  url?: string;
}

export type Severity = 'critical' | 'warning' | 'info';

export interface Signature {
  /** Stable id, used as the `signature` metric label: [a-z0-9][a-z0-9_.-]*. */
  id: string;
  title: string;
  description: string;
  severity: Severity;
  references: SignatureReference[];
  /** Any rule matching makes the signature match (e.g. with and without symbols). */
  rules: SignatureRule[];
  /** Generic fallbacks match only when no specific signature did. */
  generic?: boolean;
  /** Ids this signature explains better: when both match, those are dropped (a prepare-handler hang is not an after-fork one). */
  supersedes?: string[];
  /** The library's vocabulary, which this signature's `vocab` references resolve against (shared by every signature of a load). */
  vocabulary?: Vocabulary;
  /** Version of the library file it came from. */
  version: string;
  /** Path of the library file it came from. */
  source: string;
}

export interface SignatureMatch {
  signatureId: string;
  title: string;
  severity: Severity;
  version: string;
  source: string;
  generic: boolean;
  /** Name of the rule that matched ("rule N" when unnamed). */
  rule: string;
  threadIndex: number;
  /** The matched thread's tid, where the dump printed one. */
  tid: number | null;
  /** Indexes of matched frames in that thread, innermost first. */
  frameIndexes: number[];
  /** The matched frames' normalized names (`??` when unnamed), for display. */
  frames: string[];
  /** The lock waited for, where the frames print it (gdb `<main_arena>`, `mutex=0x… <file_lock>`): forked-child matches. */
  lock?: string;
  /** The owner (LWP) of the printed mutex, no thread of the process: ownerGone matches. */
  lockOwner?: number;
}

export interface MatchOptions {
  /** The dump is of a forked child that never exec'd: rules with `forkedChild: true` may match (docs/signatures.md). */
  forkedChild?: boolean;
}

export interface MatchResult {
  /** Specific matches, best first (severity, then how many frames matched); a generic one only when none. */
  matches: SignatureMatch[];
  /** One fingerprint per hang (docs/signatures.md, "Fingerprint"); "none" without named frames. */
  fingerprint: string;
  /** How `fingerprint` was computed: 2 since the vocabulary (1: the top 8 names as printed, stored incidents only). */
  fingerprintVersion?: number;
  /** True when any non-info signature matched. */
  deadlock: boolean;
}

/** A problem with a signature file: enough to find and fix it. */
export interface SignatureLoadError {
  path: string;
  /** Index in the file's `signatures` list, null for file-level problems. */
  entry: number | null;
  id: string | null;
  /** Field inside the entry (`rules[0].frames[1].fn`) or the file (`version`). */
  field: string | null;
  message: string;
}

export interface SignatureLibrary {
  signatures: Signature[];
  errors: SignatureLoadError[];
  /** Files read, in order (later files override earlier ids). */
  files: string[];
  /** The merged vocabulary of every file read. */
  vocabulary: Vocabulary;
}
