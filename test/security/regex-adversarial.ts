/** Shared by test/security/regex.test.ts and test/live/security/regex.test.ts. */

/** Exponential or polynomial on a backtracking engine; nested quantifiers, with and without alternation. */
export const CATASTROPHIC = [
  '(a+)+$',
  '(a|aa)+$',
  '(.*a){20}',
  '(a*)*b',
  '(a|a?)+$',
  '((a|b)+)+$',
  '(a|ab|aab)*$',
  '((a+)|(aa+))+$',
  '(x+x+)+y',
  '^(\\w+\\s?)*$',
  '(.*,)*X',
  '(a+)+b',
];

export function yamlQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
