/**
 * The Itanium C++ ABI's one- and two-letter codes, as c++filt and
 * abi::__cxa_demangle print them (used by src/capture/parse/demangle.ts).
 */

export const BUILTIN: Record<string, string> = {
  v: 'void',
  w: 'wchar_t',
  b: 'bool',
  c: 'char',
  a: 'signed char',
  h: 'unsigned char',
  s: 'short',
  t: 'unsigned short',
  i: 'int',
  j: 'unsigned int',
  l: 'long',
  m: 'unsigned long',
  x: 'long long',
  y: 'unsigned long long',
  n: '__int128',
  o: 'unsigned __int128',
  f: 'float',
  d: 'double',
  e: 'long double',
  g: '__float128',
  z: '...',
};

export const BUILTIN_D: Record<string, string> = {
  d: 'decimal64',
  e: 'decimal128',
  f: 'decimal32',
  h: 'half',
  i: 'char32_t',
  s: 'char16_t',
  u: 'char8_t',
  a: 'auto',
  c: 'decltype(auto)',
  n: 'decltype(nullptr)',
};

export const OPERATORS: Record<string, string> = {
  nw: 'new',
  na: 'new[]',
  dl: 'delete',
  da: 'delete[]',
  ps: '+',
  ng: '-',
  ad: '&',
  de: '*',
  co: '~',
  pl: '+',
  mi: '-',
  ml: '*',
  dv: '/',
  rm: '%',
  an: '&',
  or: '|',
  eo: '^',
  aS: '=',
  pL: '+=',
  mI: '-=',
  mL: '*=',
  dV: '/=',
  rM: '%=',
  aN: '&=',
  oR: '|=',
  eO: '^=',
  ls: '<<',
  rs: '>>',
  lS: '<<=',
  rS: '>>=',
  eq: '==',
  ne: '!=',
  lt: '<',
  gt: '>',
  le: '<=',
  ge: '>=',
  ss: '<=>',
  nt: '!',
  aa: '&&',
  oo: '||',
  pp: '++',
  mm: '--',
  cm: ',',
  pm: '->*',
  pt: '->',
  cl: '()',
  ix: '[]',
  qu: '?',
  aw: 'co_await',
};

/** Standard substitutions (`St` is handled apart: it prefixes a name). */
export const STD_SUBS: Record<string, { text: string; ctorName: string }> = {
  a: { text: 'std::allocator', ctorName: 'allocator' },
  b: { text: 'std::basic_string', ctorName: 'basic_string' },
  s: { text: 'std::string', ctorName: 'basic_string' },
  i: { text: 'std::istream', ctorName: 'basic_istream' },
  o: { text: 'std::ostream', ctorName: 'basic_ostream' },
  d: { text: 'std::iostream', ctorName: 'basic_iostream' },
};

/** Literal suffixes c++filt prints after an integer template argument. */
export const LITERAL_SUFFIX: Record<string, string> = { i: '', j: 'u', l: 'l', m: 'ul', x: 'll', y: 'ull' };

/** The full names c++filt prints for the standard abbreviations when a constructor or destructor follows them. */
export const FULL_BY_ABBREV: Record<string, string> = {
  'std::string': 'std::basic_string<char, std::char_traits<char>, std::allocator<char> >',
  'std::istream': 'std::basic_istream<char, std::char_traits<char> >',
  'std::ostream': 'std::basic_ostream<char, std::char_traits<char> >',
  'std::iostream': 'std::basic_iostream<char, std::char_traits<char> >',
};
