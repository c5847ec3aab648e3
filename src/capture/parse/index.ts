/**
 * Stack parsing entry point: one pure parser per format, all producing the
 * same ParsedStack. parseStack never throws: unknown or bad input gives a
 * result with no threads (or some) and warnings.
 */
import type { ParsedStack, StackFormat } from '../types.js';
import { detectStackFormat } from './detect.js';
import { parseEuStack } from './eu-stack.js';
import { parseGdb } from './gdb.js';
import { parseGdbInfo } from './gdb-info.js';
import { parseHotspot } from './hotspot.js';
import { parseLenient } from './lenient.js';
import { parseLldb } from './lldb.js';
import { parseMacosSample } from './macos-sample.js';
import { parseDebuggerd } from './debuggerd.js';
import { parseDbx } from './dbx.js';
import { parseJstack } from './jstack.js';
import { parseMdb } from './mdb.js';
import { parsePstack } from './pstack.js';
import { looksBinary, splitInput, Warnings } from './common.js';

export { detectStackFormat } from './detect.js';
export { normalizeFunctionName } from './normalize.js';
export { parseEuStack } from './eu-stack.js';
export { parseGdb } from './gdb.js';
export { parseMdb } from './mdb.js';
export { parsePstack } from './pstack.js';
export { parseLldb } from './lldb.js';
export { parseGdbInfo } from './gdb-info.js';
export { parseHotspot } from './hotspot.js';
export { parseMacosSample } from './macos-sample.js';
export { parseDebuggerd } from './debuggerd.js';
export { parseDbx } from './dbx.js';
export { parseJstack } from './jstack.js';
export { parseLenient } from './lenient.js';
export { MAX_INPUT_CHARS } from './common.js';

export const STACK_FORMATS: readonly StackFormat[] = [
  'pstack',
  'mdb',
  'eu-stack',
  'gdb',
  'lldb',
  'gdb-info',
  'hotspot',
  'macos-sample',
  'debuggerd',
  'dbx',
  'jstack',
  'lenient',
];

export const PARSERS: Readonly<Record<StackFormat, (text: string) => ParsedStack>> = {
  pstack: parsePstack,
  mdb: parseMdb,
  'eu-stack': parseEuStack,
  gdb: parseGdb,
  lldb: parseLldb,
  'gdb-info': parseGdbInfo,
  hotspot: parseHotspot,
  'macos-sample': parseMacosSample,
  debuggerd: parseDebuggerd,
  dbx: parseDbx,
  jstack: parseJstack,
  lenient: parseLenient,
};

/**
 * Parse a dump in `format`, or in the detected format when none is given.
 * When a given format finds no frames but the text is plainly another format
 * (Linux `pstack` is often gdb's gstack script), the detected format is used
 * and a warning says so. When no reader finds frames, the lenient reader
 * pulls function names out of frame-like lines (format 'lenient', with a
 * warning); 'unknown' is left for text with no frame-like line at all.
 */
export function parseStack(text: string, format?: StackFormat): ParsedStack {
  const detected = detectStackFormat(text);
  const chosen = format ?? detected;
  if (chosen === 'unknown' || !(chosen in PARSERS)) return lenientOrUnknown(text);
  const parsed = PARSERS[chosen](text);
  if (hasFrames(parsed)) return parsed;
  if (format && detected !== 'unknown' && detected !== format) {
    const other = PARSERS[detected](text);
    if (hasFrames(other))
      return {
        ...other,
        warnings: [`no ${format} frames: the text is ${detected} output, parsed as such`, ...other.warnings],
      };
  }
  if (chosen === 'lenient' || typeof text !== 'string' || looksBinary(text)) return parsed;
  const lenient = parseLenient(text);
  if (!hasFrames(lenient)) return parsed;
  return { ...lenient, warnings: [`no ${chosen} frames found`, ...lenient.warnings] };
}

/** Text no reader recognised: the lenient reader's frames, or 'unknown' when there are none. */
function lenientOrUnknown(text: string): ParsedStack {
  const lenient = typeof text === 'string' && !looksBinary(text) ? parseLenient(text) : null;
  if (lenient && hasFrames(lenient)) return lenient;
  const warnings = new Warnings();
  const { raw } = splitInput(text, warnings);
  if (raw.trim() !== '')
    warnings.add(
      `stack format not recognised (expected ${STACK_FORMATS.filter((f) => f !== 'lenient').join(', ')} output, or lines that look like frames)`,
    );
  return { format: 'unknown', pid: null, threads: [], warnings: warnings.toArray(), raw };
}

function hasFrames(p: ParsedStack): boolean {
  return p.threads.some((t) => t.frames.length > 0);
}
