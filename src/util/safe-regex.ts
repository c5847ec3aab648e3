/**
 * The one place a user-supplied regular expression is compiled: target
 * selectors, signature frame patterns, redaction patterns. They run on text a
 * hostile local user controls (cmdlines, stack frames), so they run on a
 * linear-time engine (RE2's automata, through re2js) on input cut to a bound:
 * no pattern and no input can make one test take more than milliseconds.
 * `(a+)+$` compiles and runs in linear time; what RE2 cannot do in linear time
 * (backreferences, lookarounds) is refused at load with RE2's reason.
 */
import { RE2JS } from 're2js';

/** Text past this many characters is not looked at (cmdlines are cut at 4 KiB elsewhere too). */
export const DEFAULT_MAX_INPUT = 4096;

export class UnsafeRegexError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'UnsafeRegexError';
  }
}

export interface SafeRegexOptions {
  /** Match the whole input (`^(?:…)$`) instead of searching within it. */
  whole?: boolean;
  ignoreCase?: boolean;
  /** Characters of input looked at, at most. */
  maxInput?: number;
}

export interface SafeRegex {
  readonly source: string;
  test(input: string): boolean;
  /** Every match in the whole input replaced by `replacement` (`$1` names a group); linear in the input's length. */
  replaceAll(input: string, replacement: string): string;
}

/** Compile or throw UnsafeRegexError; callers turn that into their own error naming the key. */
export function compileSafeRegex(source: string, opts: SafeRegexOptions = {}): SafeRegex {
  const pattern = opts.whole ? `^(?:${source})$` : source;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, opts.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    throw new UnsafeRegexError(source, describe(err));
  }
  const max = opts.maxInput ?? DEFAULT_MAX_INPUT;
  const cut = (s: string): string => (s.length > max ? s.slice(0, max) : s);
  return {
    source,
    test: (input) => re.test(cut(input)),
    replaceAll: (input, replacement) => re.matcher(input).replaceAll(replacement),
  };
}

/** The reason a pattern is refused, or null when it compiles. */
export function checkSafeRegex(source: string): string | null {
  try {
    compileSafeRegex(source);
    return null;
  } catch (err) {
    return err instanceof UnsafeRegexError ? err.reason : describe(err);
  }
}

function describe(err: unknown): string {
  const e = err as { getDescription?: () => string; message?: string };
  const text = (typeof e.getDescription === 'function' ? e.getDescription() : undefined) ?? e.message ?? String(err);
  return text.slice(0, 300);
}
