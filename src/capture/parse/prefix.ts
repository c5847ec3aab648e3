/**
 * A test harness's constant per-line prefix: CI logs and test runners print
 * each line of a captured dump behind a timestamp, `[pid N] ` or `stderr: `.
 * When most non-empty lines carry one kind of prefix, it is taken off every
 * line that has it, before detection and before any reader sees the line
 * (after it, `unpaste` removes indentation, quote markers and prompts).
 * Bounded: kinds are fixed regexes with bounded repeats, at most
 * PREFIX_ROUNDS prefixes are stacked (a timestamp, then `[pid N] `), and only
 * the first SAMPLE_LINES non-empty lines decide.
 */

const LEAD = '^([ \\t>]{0,64})';
/** The prefixes a harness puts in front of each line (one separating space or `:`/`|` mark is part of it; indentation after it is the dump's). */
const KINDS: readonly RegExp[] = [
  // Android logcat (threadtime, with or without the year; brief): `09-02 16:19:12.276 20722 20722 F DEBUG   : `,
  // `F/DEBUG   ( 1234): `; first, so a logcat line's date is not taken for a bare timestamp
  new RegExp(
    `${LEAD}(?:(?:\\d{4}-)?\\d{2}-\\d{2}[ \\t]\\d{2}:\\d{2}:\\d{2}\\.\\d{3}[ \\t]{1,8}\\d{1,10}[ \\t]{1,8}\\d{1,10}[ \\t]{1,4}[VDIWEFAS][ \\t][^:]{0,64}?|[VDIWEFAS]\\/[^(]{0,64}\\([ \\t]{0,8}\\d{1,10}\\)):[ \\t]?`,
  ),
  // glog / Abseil / ART log lines: `F1206 14:06:13.123456 12345 file.cc:123] `, ART's abort dump `runtime.cc:708] `
  new RegExp(
    `${LEAD}(?:[IWEF]\\d{4}[ \\t]\\d{2}:\\d{2}:\\d{2}\\.\\d{6}[ \\t]{1,8}\\d{1,10}[ \\t])?[\\w.-]{1,64}\\.(?:cc|cpp|c|h|go|rs):\\d{1,6}\\][ \\t]?`,
  ),
  // ISO 8601 / syslog-ish date and time, optionally bracketed: 2026-12-06T03:04:05.123Z, [2026-12-06 03:04:05,123]
  new RegExp(
    `${LEAD}\\[?\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2})?\\]?(?:[ \\t]|[ \\t]?[|:][ \\t]?)`,
  ),
  // time of day: 03:04:05.123, [03:04:05]
  new RegExp(`${LEAD}\\[?\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?\\]?(?:[ \\t]|[ \\t]?[|:][ \\t]?)`),
  // seconds since start: [   12.345678]
  new RegExp(`${LEAD}\\[[ \\t]{0,12}\\d{1,10}\\.\\d{1,9}\\][ \\t]?`),
  // a process tag: [pid 1234], [pid:1234], (pid 1234), pid 1234:
  new RegExp(
    `${LEAD}(?:\\[pid[ :=]{0,3}\\d{1,10}\\]|\\(pid[ :=]{0,3}\\d{1,10}\\)|pid[ :=]{0,3}\\d{1,10}:)[ \\t]?`,
    'i',
  ),
  // the Java Service Wrapper (Tanuki): `jvm 1    | ` on its console; in its log file `INFO   | jvm 1    | 2024/03/01 10:00:00 | `
  new RegExp(
    `${LEAD}(?:[A-Z]{4,6}[ \\t]{0,8}\\|[ \\t])?jvm[ \\t]\\d{1,6}[ \\t]{0,8}\\|(?:[ \\t]\\d{4}\\/\\d{2}\\/\\d{2}[ \\t]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,3})?[ \\t]\\|)?[ \\t]?`,
  ),
  // a stream tag: stderr: , stdout| , [stderr] , err>
  new RegExp(`${LEAD}(?:\\[(?:stderr|stdout)\\]|(?:stderr|stdout|err|out)[ \\t]{0,4}[:|>])[ \\t]?`, 'i'),
];

const SAMPLE_LINES = 2000;
const PREFIX_ROUNDS = 3;
/** The share of non-empty sampled lines a kind must prefix to count as the harness's. */
const MIN_SHARE = 0.8;
const MIN_LINES = 3;

/** The lines without the harness's prefixes (the same array when there is none). */
export function stripHarnessPrefix(lines: string[]): string[] {
  let out = lines;
  for (let round = 0; round < PREFIX_ROUNDS; round++) {
    const kind = harnessKind(out);
    if (!kind) break;
    out = out.map((l) => l.replace(kind, '$1'));
  }
  return out;
}

/** The one prefix kind on most non-empty lines, or null. */
function harnessKind(lines: readonly string[]): RegExp | null {
  const counts = KINDS.map(() => 0);
  let nonEmpty = 0;
  for (const line of lines) {
    if (nonEmpty >= SAMPLE_LINES) break;
    // a blank line, quoted or not (`> `), is no line of the dump
    if (blankAsPasted(line)) continue;
    nonEmpty++;
    KINDS.forEach((k, i) => {
      if (k.test(line)) counts[i]!++;
    });
  }
  if (nonEmpty < MIN_LINES) return null;
  const best = counts.indexOf(Math.max(...counts));
  return counts[best]! >= MIN_SHARE * nonEmpty ? KINDS[best]! : null;
}

/** A line with nothing but a paste's quote marks and indentation. */
export function blankAsPasted(line: string): boolean {
  // one pass, no copy: every line of a dump is asked
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 62 && c !== 13) return false; // space, tab, >, CR
  }
  return true;
}
