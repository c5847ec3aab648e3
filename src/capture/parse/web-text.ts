/**
 * Text copied from a web page, a mail archive or a chat: the characters the
 * page used for layout, not the ones the tool printed. No-break and other
 * Unicode spaces (a rendered `&nbsp;`, U+00A0, U+2000–U+200A, U+202F,
 * U+205F, U+3000) become plain spaces; zero-width spaces and byte-order
 * marks go; HTML's five character entities and `&nbsp;` (text taken from a
 * page's source, `std::lock_guard&lt;std::mutex&gt;`) are decoded once, so
 * `&amp;lt;` stays `&lt;`. The empty `<span></span>` an issue importer puts
 * after a `#` (so `#2` links no issue) goes, and an HTML line break (`<br>`)
 * ends a line. Lines without any of them are returned as they
 * are (one scan of the text decides), so a tool's own output costs one test.
 */

const ANY =
  /[\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]|&(?:lt|gt|amp|quot|apos|nbsp|#39|#x27);|<span><\/span>|<[Bb][Rr][ \t]{0,4}\/?>/;
/** An empty span: trackers' issue importers put one between `#` and a number so it links no issue (`#<span></span>2  0x… in f ()`). */
const EMPTY_SPAN = /<span><\/span>/g;
const SPACES = /[\u00a0\u2000-\u200a\u202f\u205f\u3000]/g;
const INVISIBLE = /[\u200b\ufeff]/g;
const ENTITY = /&(lt|gt|amp|quot|apos|nbsp|#39|#x27);/g;
const DECODED: Record<string, string> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
  '#x27': "'",
};

/** An HTML line break: text copied from a page's source keeps a dump's lines joined by them. */
const BREAK = /<br[ \t]{0,4}\/?>/gi;
export const HAS_BREAK = /<br[ \t]{0,4}\/?>/i;

/** A line split at its HTML line breaks; a break that ends the line ends it (no empty line after it). */
export function splitAtBreaks(line: string): string[] {
  const parts = line.split(BREAK);
  if (parts.length > 1 && parts[parts.length - 1]!.trim() === '') parts.pop();
  return parts;
}

/** The lines as the tool printed them (the same array when nothing needs changing). */
export function fromWebText(input: string[]): string[] {
  // one scan decides: text with none of them is returned as it is
  if (!input.some((l) => ANY.test(l))) return input;
  const lines = input.some((l) => HAS_BREAK.test(l)) ? input.flatMap(splitAtBreaks) : input;
  return lines.map((l) =>
    ANY.test(l)
      ? l
          .replace(SPACES, ' ')
          .replace(INVISIBLE, '')
          .replace(EMPTY_SPAN, '')
          .replace(ENTITY, (_, name: string) => DECODED[name]!)
      : l,
  );
}

/** Fewer non-blank lines than this, each alone between blank lines, are not taken for double spacing. */
const MIN_DOUBLE_SPACED = 4;

/**
 * Text some pages, mail clients and chats double-space: a blank line after
 * every line (a paragraph per line). Readers take a blank line for the end of
 * a thread, so such a paste would read as one thread per frame. A run of at
 * least MIN_DOUBLE_SPACED non-blank lines none of which touches another is
 * such a region: there each run of n blank lines becomes n/2 (rounded down),
 * so the spacing's own blank lines go and the tool's own (doubled to three)
 * stay. Tool output always has adjacent lines (a thread header and its first
 * frame), so it is never changed; the same array is returned then. `isBlank`
 * says which lines are blank (a quoted paste's blank lines are `>`).
 */
export function undoubleSpace(lines: string[], isBlank: (line: string) => boolean = (l) => l.trim() === ''): string[] {
  // one pass finds the regions, asking each line once; most dumps have none, and are returned as they are
  const n = lines.length;
  let regions: [number, number][] | null = null;
  let start = -1;
  let last = -1;
  let count = 0;
  const close = (): void => {
    if (count >= MIN_DOUBLE_SPACED) (regions ??= []).push([start, last]);
    start = -1;
    count = 0;
  };
  let prevBlank = true;
  let blank = n > 0 ? isBlank(lines[0]!) : true;
  for (let i = 0; i < n; i++) {
    const nextBlank = i + 1 < n ? isBlank(lines[i + 1]!) : true;
    if (!blank) {
      if (prevBlank && nextBlank) {
        if (start < 0) start = i;
        last = i;
        count++;
      } else close();
    }
    prevBlank = blank;
    blank = nextBlank;
  }
  close();
  if (regions === null) return lines;
  return collapse(lines, regions, isBlank);
}

/** Inside each region, a run of n blank lines becomes n/2 (rounded down). */
function collapse(lines: string[], regions: readonly [number, number][], isBlank: (line: string) => boolean): string[] {
  const out: string[] = [];
  let r = 0;
  for (let i = 0; i < lines.length; i++) {
    while (r < regions.length && i > regions[r]![1]) r++;
    const region = regions[r];
    if (!region || i < region[0] || !isBlank(lines[i]!)) {
      out.push(lines[i]!);
      continue;
    }
    let j = i;
    while (j <= region[1] && isBlank(lines[j]!)) j++;
    for (let k = 0; k < Math.floor((j - i) / 2); k++) out.push('');
    i = j - 1;
  }
  return out;
}

/**
 * A markdown fence, an HTML code block or Jira's (`{code}`, `{code:c}`, `{noformat}`: issues
 * migrated from Jira keep them) glued to the first line of a dump (```` ```#0  0x… ````,
 * `<pre><code>Thread 1 (…):`), and its end glued to the last (`… at f.c:10``` `, `</code></pre>`),
 * after any indentation or quote marks. A fence followed by one word alone is the fence line with
 * its language (```` ```gdb ````): kept.
 */
const GLUED_OPEN =
  /^([ \t>]{0,64})(`{3,8}|~{3,8}|<pre(?: [^>]{0,64})?>(?:<code(?: [^>]{0,64})?>)?|<code(?: [^>]{0,64})?>|\{(?:code(?::[\w|=#-]{1,64})?|noformat)\})(.)/;
const GLUED_CLOSE = /(?:`{3,8}|~{3,8}|(?:<\/code>)?<\/pre>|<\/code>|\{code\}|\{noformat\})[ \t]{0,8}$/;
/** Could a fence or tag be glued to the line: its first character after indentation and quote marks, or its last, is one. */
function mayBeGlued(line: string): boolean {
  let i = 0;
  while (i < line.length && i < 64 && (line[i] === ' ' || line[i] === '\t' || line[i] === '>')) i++;
  const first = line[i];
  if (first === '`' || first === '~' || first === '<' || first === '{') return true;
  let j = line.length - 1;
  while (j > i && (line[j] === ' ' || line[j] === '\t')) j--;
  const last = line[j];
  return last === '`' || last === '~' || last === '>' || last === '}';
}

/** The lines without a code fence or HTML code tags glued to their text (the same array when none is). */
export function unglue(lines: string[]): string[] {
  let out: string[] | null = null; // copied at the first change only
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!mayBeGlued(line)) continue;
    const l = ungluedLine(line);
    if (l === line) continue;
    out ??= lines.slice();
    out[i] = l;
  }
  return out ?? lines;
}

function ungluedLine(line: string): string {
  let l = line;
  const open = GLUED_OPEN.exec(l);
  if (open) {
    const rest = l.slice(open[1]!.length + open[2]!.length);
    const tag = open[2]![0] === '<' || open[2]![0] === '{';
    if (tag || rest.startsWith('#') || /\s/.test(rest.trim())) l = open[1]! + rest;
  }
  const end = l.trimEnd();
  if (end.endsWith('`') || end.endsWith('~') || end.endsWith('>') || end.endsWith('}')) {
    const close = GLUED_CLOSE.exec(end);
    if (close && end.slice(0, close.index).trim() !== '') l = end.slice(0, close.index);
  }
  return l;
}
