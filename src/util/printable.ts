/**
 * Text from a watched process or a pasted dump, made safe to print on a
 * terminal: control characters (C0 but tab, DEL, C1) become `?`, so an
 * escape sequence hidden in a frame name, a thread name or a command line
 * cannot move the cursor, retitle the window or recolour what follows.
 */
export function printable(s: string): string {
  // most text has none: one pass, no copy
  let i = 0;
  while (i < s.length && !isControl(s.charCodeAt(i))) i++;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += isControl(c) ? '?' : s[i];
  }
  return out;
}

function isControl(c: number): boolean {
  return (c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f);
}
