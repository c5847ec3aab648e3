/**
 * Text copied from a web page, a mail archive or a chat: the characters the
 * page used for layout, not the ones the tool printed. No-break and other
 * Unicode spaces (a rendered `&nbsp;`, U+00A0, U+2000–U+200A, U+202F,
 * U+205F, U+3000) become plain spaces; zero-width spaces and byte-order
 * marks go; HTML's five character entities and `&nbsp;` (text taken from a
 * page's source, `std::lock_guard&lt;std::mutex&gt;`) are decoded once, so
 * `&amp;lt;` stays `&lt;`. The empty `<span></span>` an issue importer puts
 * after a `#` (so `#2` links no issue) goes. Lines without any of them are returned as they
 * are (one scan of the text decides), so a tool's own output costs one test.
 */

const ANY = /[\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]|&(?:lt|gt|amp|quot|apos|nbsp|#39|#x27);|<span><\/span>/;
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

/** The lines as the tool printed them (the same array when nothing needs changing). */
export function fromWebText(lines: string[]): string[] {
  if (!lines.some((l) => ANY.test(l))) return lines;
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
  const blank = lines.map(isBlank);
  const alone = (i: number): boolean =>
    !blank[i] && (i === 0 || blank[i - 1]!) && (i === lines.length - 1 || blank[i + 1]!);
  // regions: [first, last] line indexes of runs of lone non-blank lines with only blank lines between them
  const regions: [number, number][] = [];
  let start = -1;
  let last = -1;
  let count = 0;
  const close = (): void => {
    if (count >= MIN_DOUBLE_SPACED) regions.push([start, last]);
    start = -1;
    count = 0;
  };
  for (let i = 0; i < lines.length; i++) {
    if (blank[i]) continue;
    if (!alone(i)) {
      close();
      continue;
    }
    if (start < 0) start = i;
    last = i;
    count++;
  }
  close();
  if (regions.length === 0) return lines;
  const out: string[] = [];
  let r = 0;
  for (let i = 0; i < lines.length; i++) {
    while (r < regions.length && i > regions[r]![1]) r++;
    const region = regions[r];
    if (!blank[i] || !region || i < region[0] || i > region[1]) {
      out.push(lines[i]!);
      continue;
    }
    let j = i;
    while (j <= region[1] && blank[j]) j++;
    for (let k = 0; k < Math.floor((j - i) / 2); k++) out.push('');
    i = j - 1;
  }
  return out;
}
