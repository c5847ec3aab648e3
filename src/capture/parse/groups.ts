/**
 * Parenthesised groups at the end of a printed frame: a C++ parameter list
 * (`ns::f(int, char const*)`), dbx's argument list, debuggerd's `(FUNC+OFF)`.
 * One scan from the end, bounded by the line cap the readers apply.
 */

/** Where the top-level `( … )` that closes the text opens; -1 when the text does not end in `)` or it never opens. */
export function lastGroupOpen(text: string): number {
  if (!text.endsWith(')')) return -1;
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i];
    if (c === ')') depth++;
    else if (c === '(' && --depth === 0) return i;
  }
  return -1;
}
