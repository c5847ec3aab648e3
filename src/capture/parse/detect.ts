/**
 * Guess a dump's format from its first lines: each format has lines only it
 * prints (eu-stack's `TID n:`, gdb's `Thread n (...):` and `#n 0x.. in`,
 * pstack's `lwp#` banner and `addr name (args)`, mdb's backtick symbols).
 * Scores are counted over at most DETECT_LINES lines; the best score wins.
 * Binary-looking input is 'unknown' whatever a stray line resembles.
 */
import type { StackFormat } from '../types.js';
import { looksBinary, MAX_LINE_LENGTH } from './common.js';

const DETECT_LINES = 2000;

interface Clue {
  format: StackFormat;
  weight: number;
  re: RegExp;
}

const CLUES: Clue[] = [
  { format: 'eu-stack', weight: 5, re: /^PID \d{1,10} - (?:process|core)\b/ },
  { format: 'eu-stack', weight: 5, re: /^TID \d{1,10}:\s*$/ },
  { format: 'eu-stack', weight: 1, re: /^#\d{1,6}\s{1,8}0x[0-9a-fA-F]{1,16}(?:\s{1,4}-\s\d{1,4})?(?: [^(]*)?$/ },
  { format: 'gdb', weight: 5, re: /^Thread \d{1,10} \(.{0,1000}\):\s*$/ },
  { format: 'gdb', weight: 2, re: /^#\d{1,6}\s{1,8}0x[0-9a-fA-F]{1,16} in \S/ },
  { format: 'gdb', weight: 1, re: /^#\d{1,6}\s{1,8}[^\s#][^(]{0,1000} \(.{0,4000}\)(?: at | from |\s*$)/ },
  { format: 'gdb', weight: 3, re: /^\[Inferior \d{1,6} \(process \d{1,10}\) detached\]/ },
  { format: 'pstack', weight: 5, re: /^-{3,}\s+lwp#\s*\d/ },
  { format: 'pstack', weight: 2, re: /^(?:core '[^']{0,1024}' of )?\d{1,10}:\s+\S/ },
  { format: 'pstack', weight: 1, re: /^\s{0,4}[0-9a-fA-F]{6,16} [^\s(`]{1,512} \(.{0,4000}\)(?:\s\+\s[0-9a-fA-F]{1,16})?\s*$/ },
  { format: 'pstack', weight: 1, re: /^\s{0,4}[0-9a-fA-F]{6,16} \* \S/ },
  { format: 'mdb', weight: 2, re: /^\s{0,8}(?:\[\s{0,4})?(?:[0-9a-fA-F]{1,16}(?:\s{1,8}|`))?(?:[^\s`(]{1,256}`)[^\s`(]{1,512}\(/ },
  { format: 'mdb', weight: 1, re: /^\s{0,8}[0-9a-fA-F]{1,16}\s{1,8}0x[0-9a-fA-F]{1,16}\(/ },
  { format: 'mdb', weight: 1, re: /^\s{0,8}[0-9a-fA-F]{1,16} [^\s`(]{1,512}\+0x[0-9a-fA-F]{1,16}\(/ },
  { format: 'mdb', weight: 3, re: /^stack pointer for thread \S/ },
];

/** The most likely format of a stack dump, or 'unknown' when no line looks like any. */
export function detectStackFormat(text: unknown): StackFormat | 'unknown' {
  if (typeof text !== 'string' || text.length === 0 || looksBinary(text)) return 'unknown';
  const scores: Record<StackFormat, number> = { pstack: 0, mdb: 0, 'eu-stack': 0, gdb: 0 };
  let lineStart = 0;
  for (let n = 0; n < DETECT_LINES && lineStart < text.length; n++) {
    let end = text.indexOf('\n', lineStart);
    if (end < 0) end = text.length;
    const line = text.slice(lineStart, Math.min(end, lineStart + MAX_LINE_LENGTH));
    lineStart = end + 1;
    for (const clue of CLUES) if (clue.re.test(line)) scores[clue.format] += clue.weight;
  }
  let best: StackFormat | 'unknown' = 'unknown';
  let bestScore = 0;
  for (const format of ['eu-stack', 'gdb', 'pstack', 'mdb'] as const) {
    if (scores[format] > bestScore) {
      best = format;
      bestScore = scores[format];
    }
  }
  return best;
}
