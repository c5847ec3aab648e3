/**
 * Text copied from a web page, a mail archive or a chat: the characters the
 * page used for layout, not the ones the tool printed. No-break and other
 * Unicode spaces (a rendered `&nbsp;`, U+00A0, U+2000–U+200A, U+202F,
 * U+205F, U+3000) become plain spaces; zero-width spaces and byte-order
 * marks go; HTML's five character entities and `&nbsp;` (text taken from a
 * page's source, `std::lock_guard&lt;std::mutex&gt;`) are decoded once, so
 * `&amp;lt;` stays `&lt;`. Lines without any of them are returned as they
 * are (one scan of the text decides), so a tool's own output costs one test.
 */

const ANY = /[\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]|&(?:lt|gt|amp|quot|apos|nbsp|#39|#x27);/;
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
          .replace(ENTITY, (_, name: string) => DECODED[name]!)
      : l,
  );
}
