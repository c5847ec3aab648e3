/**
 * Stack parsing entry point: one pure parser per format, all producing the
 * same ParsedStack. parseStack never throws: unknown or bad input gives a
 * result with no threads (or some) and warnings.
 */
import type { ParsedStack, StackFormat } from '../types.js';
import { detectStackFormat } from './detect.js';
import { parseEuStack } from './eu-stack.js';
import { parseGdb } from './gdb.js';
import { parseMdb } from './mdb.js';
import { parsePstack } from './pstack.js';
import { splitInput, Warnings } from './common.js';

export { detectStackFormat } from './detect.js';
export { normalizeFunctionName } from './normalize.js';
export { parseEuStack } from './eu-stack.js';
export { parseGdb } from './gdb.js';
export { parseMdb } from './mdb.js';
export { parsePstack } from './pstack.js';
export { MAX_INPUT_CHARS } from './common.js';

export const STACK_FORMATS: readonly StackFormat[] = ['pstack', 'mdb', 'eu-stack', 'gdb'];

const PARSERS: Record<StackFormat, (text: string) => ParsedStack> = {
  pstack: parsePstack,
  mdb: parseMdb,
  'eu-stack': parseEuStack,
  gdb: parseGdb,
};

/**
 * Parse a dump in `format`, or in the detected format when none is given.
 * When a given format finds no frames but the text is plainly another format
 * (Linux `pstack` is often gdb's gstack script), the detected format is used
 * and a warning says so.
 */
export function parseStack(text: string, format?: StackFormat): ParsedStack {
  const detected = detectStackFormat(text);
  const chosen = format ?? detected;
  if (chosen === 'unknown' || !(chosen in PARSERS)) {
    const warnings = new Warnings();
    const { raw } = splitInput(text, warnings);
    if (raw.trim() !== '') warnings.add('stack format not recognised (expected pstack, mdb, eu-stack or gdb output)');
    return { format: 'unknown', pid: null, threads: [], warnings: warnings.toArray(), raw };
  }
  const parsed = PARSERS[chosen](text);
  if (!format || detected === 'unknown' || detected === format || hasFrames(parsed)) return parsed;
  const fallback = PARSERS[detected](text);
  if (!hasFrames(fallback)) return parsed;
  return { ...fallback, warnings: [`no ${format} frames: the text is ${detected} output, parsed as such`, ...fallback.warnings] };
}

function hasFrames(p: ParsedStack): boolean {
  return p.threads.some((t) => t.frames.length > 0);
}
