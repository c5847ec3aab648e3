/** Shared by test/security/regex.test.ts, test/live/security/regex.test.ts and test/util/safe-regex.test.ts. */

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
  '((ab)*|a)*c',
];

export function yamlQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
