/** What the daemon, its routes and extensions use of the match stage: the loaded library, matching and parsing. */
import type { ParsedStack, Thread } from '../capture/types.js';
import type { MatchOptions, MatchResult, Signature } from './types.js';
import type { ThreadWait } from './waits.js';

export interface MatchPort {
  signatures(): Signature[];
  match(threads: Thread[], options?: MatchOptions): MatchResult;
  parse(text: string): ParsedStack;
  /** What each thread waits on, by the library's vocabulary (classify's reading of a dump nothing named). */
  waits(threads: Thread[]): ThreadWait[];
}
