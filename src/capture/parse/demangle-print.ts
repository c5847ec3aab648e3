/**
 * The demangler's types and how c++filt prints them (src/capture/parse/demangle.ts
 * parses; this prints): declarators (`void (*)(int)`, `int (&) [3]`), qualifiers,
 * reference collapsing and pack expansions, with the template arguments of the
 * scope being printed. Bounded: nesting (MAX_DEPTH) and text (MAX_OUTPUT_LENGTH).
 */

export const MAX_DEPTH = 48;
/** Substitutions can repeat a long type many times: any longer text gives up. */
export const MAX_OUTPUT_LENGTH = 4096;

/** Thrown for anything unsupported, malformed or too big; demangle() turns it into null. */
export class Unsupported extends Error {}

export function capped(text: string): string {
  if (text.length > MAX_OUTPUT_LENGTH) throw new Unsupported();
  return text;
}

export type Type =
  | { k: 'name'; s: string }
  | { k: 'qual'; q: string; of: Type }
  | { k: 'ptr' | 'ref' | 'rref'; of: Type }
  | { k: 'func'; ret: Type; params: Type[]; suffix: string }
  | { k: 'array'; dim: string; of: Type }
  | { k: 'memptr'; cls: Type; of: Type }
  | { k: 'pack'; of: Type }
  /** A template parameter (`T_`, `T0_`): resolved where it is printed, as c++filt does (a substitution of it can be used in another template's scope). */
  | { k: 'param'; index: number }
  /** A template argument pack (`J … E`): what a pack expansion (`Dp`) expands over. */
  | { k: 'args'; items: Type[] };

export class Printer {
  private depth = 0;

  /** `args`: the template arguments of the scope being printed (a `T_` is resolved against them). */
  constructor(private readonly args: () => readonly Type[]) {}

  /** Print a type the way c++filt does: `char const*`, `void (*)(int)`, `int (&) [3]`, `int Foo::*`. */
  type(t: Type, declarator = ''): string {
    if (++this.depth > MAX_DEPTH) throw new Unsupported();
    try {
      return capped(this.print(t, declarator));
    } finally {
      this.depth--;
    }
  }

  private print(t: Type, declarator: string): string {
    switch (t.k) {
      case 'param':
        return this.type(this.resolve(t), declarator);
      case 'name':
        return t.s + declarator;
      case 'qual': {
        // a qualified array is an array of qualified elements: `char const (&) [17]`
        const of = this.resolve(t.of);
        if (of.k === 'array') return this.type({ ...of, of: { k: 'qual', q: t.q, of: of.of } }, declarator);
        // a qualified function type (a member function's type): `void (unsigned long) const`
        if (of.k === 'func') return this.type({ ...of, suffix: t.q + of.suffix }, declarator);
        // a qualifier on a template argument that already has it is not printed twice
        if (of.k === 'qual') return this.type({ ...of, q: mergeQualifiers(of.q, t.q) }, declarator);
        return this.type(of, t.q + declarator);
      }
      case 'ptr':
        return this.type(t.of, `*${declarator}`);
      case 'ref':
      case 'rref': {
        // reference collapsing (a template argument that is itself a reference): & wins over &&
        const of = this.resolve(t.of);
        if (of.k === 'ref' || of.k === 'rref') {
          return this.type({ k: t.k === 'ref' || of.k === 'ref' ? 'ref' : 'rref', of: of.of }, declarator);
        }
        return this.type(of, `${t.k === 'ref' ? '&' : '&&'}${declarator}`);
      }
      case 'args':
        return this.list(t.items) + declarator;
      case 'pack': {
        const pack = findPack(t.of, (p) => this.resolve(p));
        if (pack === null) return `${this.type(t.of)}...${declarator}`;
        return this.list(pack.items.map((item) => replacePack(t.of, pack, item))) + declarator;
      }
      case 'func': {
        const params = this.list(t.params);
        const ret = this.type(t.ret);
        return declarator === '' ? `${ret} (${params})${t.suffix}` : `${ret} (${declarator})(${params})${t.suffix}`;
      }
      case 'array': {
        const of = this.type(t.of);
        return declarator === '' ? `${of} [${t.dim}]` : `${of} (${declarator}) [${t.dim}]`;
      }
      case 'memptr': {
        const cls = this.type(t.cls);
        if (t.of.k === 'func') return this.type(t.of, `${cls}::*${declarator}`);
        return this.type(t.of, ` ${cls}::*${declarator}`);
      }
    }
  }

  /** A comma-separated list, leaving out what prints as nothing (an empty argument pack). */
  list(items: Type[]): string {
    return items
      .map((item) => this.type(item))
      .filter((text) => text !== '')
      .join(', ');
  }

  /** The template argument a parameter stands for, in the scope being printed. */
  resolve(t: Type): Type {
    if (t.k !== 'param') return t;
    const arg = this.args()[t.index];
    if (arg === undefined || arg.k === 'param') throw new Unsupported();
    return arg;
  }
}

function mergeQualifiers(inner: string, outer: string): string {
  const have = new Set(inner.trim().split(' '));
  return (
    inner +
    outer
      .split(' ')
      .filter((q) => q !== '' && !have.has(q))
      .map((q) => ` ${q}`)
      .join('')
  );
}

/** The argument pack a pack expansion expands over, under pointers, references and qualifiers. */
export function findPack(t: Type, resolve: (t: Type) => Type): Extract<Type, { k: 'args' }> | null {
  for (let cur: Type = t, n = 0; n < MAX_DEPTH; n++) {
    if (cur.k === 'param') cur = resolve(cur);
    if (cur.k === 'args') return cur;
    if (cur.k === 'ptr' || cur.k === 'ref' || cur.k === 'rref' || cur.k === 'qual') cur = cur.of;
    else return null;
  }
  return null;
}

/** The pattern of a pack expansion with one element of the pack in place of the pack. */
export function replacePack(t: Type, pack: Type, item: Type): Type {
  if (t === pack || t.k === 'param') return item;
  if (t.k === 'ptr' || t.k === 'ref' || t.k === 'rref' || t.k === 'qual')
    return { ...t, of: replacePack(t.of, pack, item) };
  return t;
}

/** `const` after a qualified pointer type: a cv-qualifier applies to what is left of it. */
export function qualify(q: string, of: Type): Type {
  return q === '' ? of : { k: 'qual', q, of };
}

/** Template arguments after a name; `operator<` and `operator<<` are followed by a space first. */
export function withArgs(name: string, args: string): string {
  return name.endsWith('<') ? `${name} ${args}` : name + args;
}

/** The last component of a qualified name, without template arguments or ABI tags (`ns::Foo[abi:cxx11]<int>` → `Foo`). */
export function baseName(qualified: string): string {
  const name = qualified.replace(/\[abi:[\w]{1,64}\]/g, '');
  let depth = 0;
  let end = name.length;
  for (let i = name.length - 1; i >= 0; i--) {
    const c = name[i];
    if (c === '>') depth++;
    else if (c === '<') {
      depth--;
      if (depth === 0) end = i;
    } else if (depth === 0 && c === ':' && name[i - 1] === ':') return name.slice(i + 1, end);
  }
  return name.slice(0, end);
}

const RUST_HASH = /::h[0-9a-f]{16}$/;
const RUST_ESCAPES: Record<string, string> = {
  SP: '@',
  BP: '*',
  RF: '&',
  LT: '<',
  GT: '>',
  LP: '(',
  RP: ')',
  C: ',',
};

/**
 * Rust's legacy symbols are C++ nested names whose last part is `h` and a
 * 16-digit hash, with `$LT$`-style escapes and `..` for `::` inside parts.
 * c++filt drops the hash; the normalizer does too, so it is kept here.
 */
export function rustName(text: string): string | null {
  if (!RUST_HASH.test(text)) return null;
  const hash = text.slice(text.length - 19);
  const path = text.slice(0, text.length - 19);
  const parts = path.split('::').map((part) => {
    let p = part.startsWith('_$') ? part.slice(1) : part;
    p = p.replace(/\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]{1,6})\$/g, (_m, code: string) =>
      code.startsWith('u') ? String.fromCodePoint(parseInt(code.slice(1), 16)) : (RUST_ESCAPES[code] ?? code),
    );
    return p.replace(/\.\./g, '::');
  });
  return parts.join('::') + hash;
}
