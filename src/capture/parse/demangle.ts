/**
 * Demangling of Itanium C++ ABI symbols (and Rust's legacy symbols, which use
 * the same scheme), for the names that reach a stack dump mangled:
 *
 *   glibc backtrace_symbols:  ./server(_ZN8SpinLock8SlowLockEv+0x88)[0x40a1ce]
 *   jstack --mixed (SA):      0x00007f51758d378b	_ZN7Monitor5IWaitEP6Threadl + 0xcb
 *   eu-stack/perf/bpftrace run without demangling, macOS nm-style `__ZN…`
 *
 * The output is what binutils' c++filt prints (`Monitor::IWait(Thread*, long)`),
 * so a mangled name normalizes to the same name as the demangled one gdb or
 * eu-stack print, and the vocabulary and the fingerprint see one name
 * (test/capture/parse/demangle.test.ts holds it to c++filt on every symbol of
 * libstdc++ and libjvm).
 *
 * The input is hostile (it comes from the watched process or a paste): the
 * name is capped (MAX_SYMBOL_LENGTH), recursion is capped (MAX_DEPTH), and the
 * output is capped (MAX_OUTPUT_LENGTH: substitutions can repeat a long type
 * many times). Anything outside the supported grammar (expressions in template
 * arguments, decltype, vector types) gives null: the name is kept as printed.
 * Rust's v0 mangling (`_R…`) is not read.
 */

import {
  baseName,
  capped,
  MAX_DEPTH,
  MAX_OUTPUT_LENGTH,
  Printer,
  qualify,
  rustName,
  Unsupported,
  withArgs,
  type Type,
} from './demangle-print.js';
import { BUILTIN, BUILTIN_D, FULL_BY_ABBREV, LITERAL_SUFFIX, OPERATORS, STD_SUBS } from './demangle-tables.js';

export const MAX_SYMBOL_LENGTH = 1024;
/** A mangled name, with macOS's extra leading underscore allowed. */
const MANGLED = /^_{1,2}Z/;
/** GCC's clone suffixes after the encoding (`.isra.0`, `.cold`, `.constprop.1.part.0`). */
const CLONE_SUFFIXES = /^(?:\.[A-Za-z_][A-Za-z0-9_]{0,30}(?:\.\d{1,10})*){1,8}$/;
/** One of them, printed `[clone .isra.0]`. */
const CLONE_SUFFIX = /\.[A-Za-z_][A-Za-z0-9_]{0,30}(?:\.\d{1,10})*/g;

interface Name {
  text: string;
  /** The name ends in template arguments (a function template has a return type first). */
  templated: boolean;
  /** A constructor, destructor or conversion operator (no return type even when templated). */
  noReturnType: boolean;
  /** A member function's cv- and ref-qualifiers, printed after its parameters. */
  suffix: string;
}

/**
 * Demangle a symbol to what c++filt prints, or null when it is not a mangled
 * name, or uses what this reader does not support.
 */
export function demangle(symbol: string): string | null {
  if (symbol.length > MAX_SYMBOL_LENGTH || !MANGLED.test(symbol)) return null;
  const start = symbol.indexOf('Z') + 1;
  try {
    const parser = new Parser(symbol, start);
    const text = parser.encoding();
    const rest = symbol.slice(parser.pos);
    if (rest !== '' && !CLONE_SUFFIXES.test(rest)) return null;
    const clones = rest.match(CLONE_SUFFIX) ?? [];
    return (rustName(text) ?? text) + clones.map((c) => ` [clone ${c}]`).join('');
  } catch (e) {
    if (e instanceof Unsupported || e instanceof RangeError) return null;
    throw e;
  }
}

class Parser {
  pos: number;
  private readonly subs: Type[] = [];
  private templateArgs: Type[] = [];
  private depth = 0;
  private readonly printer = new Printer(() => this.templateArgs);

  constructor(
    private readonly s: string,
    start: number,
  ) {
    this.pos = start;
  }

  /**
   * <encoding> ::= <name> [<bare-function-type>] | <special-name>. A local
   * name's function is printed without its return type (as c++filt does).
   */
  encoding(withReturnType = true): string {
    return this.nest(() => {
      if (this.peek() === 'T' || this.peek() === 'G') return this.specialName();
      const name = this.name(true);
      if (this.atEncodingEnd()) return name.text;
      let ret: Type | null = null;
      if (name.templated && !name.noReturnType) ret = this.type();
      const params = this.paramTypes();
      const head = ret === null || !withReturnType ? name.text : `${this.printType(ret)} ${name.text}`;
      return capped(`${head}(${params})${name.suffix}`);
    });
  }

  private specialName(): string {
    if (this.eat('GV')) return capped(`guard variable for ${this.name(false).text}`);
    if (this.eat('GTt')) return capped(`transaction clone for ${this.encoding()}`);
    if (this.eat('GTn')) return capped(`non-transaction clone for ${this.encoding()}`);
    if (this.eat('TH')) return capped(`TLS init function for ${this.name(false).text}`);
    if (this.eat('TW')) return capped(`TLS wrapper function for ${this.name(false).text}`);
    if (this.eat('Th')) {
      this.number();
      this.expect('_');
      return capped(`non-virtual thunk to ${this.encoding()}`);
    }
    if (this.eat('Tv')) {
      this.number();
      this.expect('_');
      this.number();
      this.expect('_');
      return capped(`virtual thunk to ${this.encoding()}`);
    }
    if (this.eat('TV')) return capped(`vtable for ${this.printType(this.type())}`);
    if (this.eat('TI')) return capped(`typeinfo for ${this.printType(this.type())}`);
    if (this.eat('TS')) return capped(`typeinfo name for ${this.printType(this.type())}`);
    if (this.eat('TT')) return capped(`VTT for ${this.printType(this.type())}`);
    throw new Unsupported();
  }

  private atEncodingEnd(): boolean {
    const c = this.peek();
    return c === '' || c === 'E' || c === '.';
  }

  /** The parameter list: `v` alone is `()`. */
  private paramTypes(): string {
    if (this.peek() === 'v' && (this.atEnd(1) || this.peek(1) === 'E' || this.peek(1) === '.')) {
      this.pos++;
      return '';
    }
    const params: Type[] = [];
    while (!this.atEncodingEnd()) params.push(this.type());
    if (params.length === 0) throw new Unsupported();
    return this.printer.list(params);
  }

  /** <name>: nested, local, std::, a substitution with template arguments, or unqualified. */
  private name(topLevel: boolean): Name {
    return this.nest(() => {
      const c = this.peek();
      if (c === 'N') return this.nestedName(topLevel);
      if (c === 'Z') return this.localName(topLevel);
      if (c === 'S' && this.peek(1) !== 't') {
        const sub = this.substitution();
        if (this.peek() !== 'I') throw new Unsupported();
        return this.withTemplateArgs(sub.text, false, topLevel);
      }
      const std = this.eat('St');
      const uq = this.unqualifiedName('');
      const text = std ? `std::${uq.text}` : uq.text;
      if (this.peek() !== 'I') return { text, templated: false, noReturnType: !std && uq.noReturnType, suffix: '' };
      return this.withTemplateArgs(text, true, topLevel);
    });
  }

  private withTemplateArgs(text: string, addName: boolean, topLevel: boolean): Name {
    if (addName) this.subs.push({ k: 'name', s: text });
    const args = this.templateArgList(topLevel);
    return { text: capped(withArgs(text, args)), templated: true, noReturnType: false, suffix: '' };
  }

  /** <nested-name> ::= N [<CV-qualifiers>] [<ref-qualifier>] <prefix> <unqualified-name> E */
  private nestedName(topLevel: boolean): Name {
    this.expect('N');
    const cv = this.cvQualifiers();
    let ref = '';
    if (this.eat('R')) ref = ' &';
    else if (this.eat('O')) ref = ' &&';
    let text = '';
    let last = '';
    let templated = false;
    let noReturnType = false;
    let first = true;
    while (!this.eat('E')) {
      if (this.atEnd()) throw new Unsupported();
      const c = this.peek();
      if (c === 'I') {
        if (first) throw new Unsupported();
        text = capped(withArgs(text, this.templateArgList(topLevel)));
        templated = true;
      } else if (first && c === 'S' && this.peek(1) === 't') {
        this.pos += 2;
        const uq = this.unqualifiedName('');
        text = `std::${uq.text}`;
        last = uq.text;
        templated = false;
        noReturnType = uq.noReturnType;
      } else if (first && c === 'S') {
        const sub = this.substitution();
        text = sub.text;
        last = sub.ctorName;
        templated = false;
        first = false;
        continue;
      } else if (first && c === 'T') {
        const t = this.templateParam();
        text = this.printType(t);
        last = text;
        templated = false;
      } else {
        if (c === 'S' || c === 'T' || c === 'M' || (c === 'D' && !/[0-5]/.test(this.peek(1)))) throw new Unsupported();
        const uq = this.unqualifiedName(last);
        if ((c === 'C' || c === 'D') && text in FULL_BY_ABBREV) text = FULL_BY_ABBREV[text] ?? text;
        text = text === '' ? uq.text : capped(`${text}::${uq.text}`);
        last = uq.text;
        templated = false;
        noReturnType = uq.noReturnType;
      }
      first = false;
      if (this.peek() !== 'E') this.subs.push({ k: 'name', s: text });
    }
    if (text === '') throw new Unsupported();
    return { text, templated, noReturnType, suffix: cv + ref };
  }

  /** <local-name> ::= Z <encoding> E <entity name> [<discriminator>] | Z <encoding> E s [<discriminator>] */
  private localName(topLevel: boolean): Name {
    this.expect('Z');
    const saved = this.templateArgs;
    const outer = this.encoding(false);
    this.templateArgs = saved;
    this.expect('E');
    if (this.eat('s')) {
      this.discriminator();
      return { text: capped(`${outer}::string literal`), templated: false, noReturnType: false, suffix: '' };
    }
    if (this.peek() === 'd') throw new Unsupported();
    const entity = this.name(topLevel);
    this.discriminator();
    return { ...entity, text: capped(`${outer}::${entity.text}`) };
  }

  private discriminator(): void {
    if (this.peek() !== '_') return;
    if (this.peek(1) === '_') {
      this.pos += 2;
      this.number();
      this.expect('_');
    } else {
      this.pos++;
      this.number();
    }
  }

  /** <unqualified-name>: a source name, a constructor/destructor, an operator, an unnamed type or a lambda, with ABI tags. */
  private unqualifiedName(enclosing: string): { text: string; noReturnType: boolean } {
    let text: string;
    let noReturnType = false;
    const c = this.peek();
    if (c >= '0' && c <= '9') text = this.sourceName();
    else if (c === 'L') {
      this.pos++;
      text = this.sourceName();
      this.discriminator();
    } else if (c === 'C' && /[1-5]/.test(this.peek(1))) {
      if (enclosing === '') throw new Unsupported();
      this.pos += 2;
      text = baseName(enclosing);
      noReturnType = true;
    } else if (c === 'C' && this.peek(1) === 'I') {
      throw new Unsupported();
    } else if (c === 'D' && /[0-5]/.test(this.peek(1))) {
      if (enclosing === '') throw new Unsupported();
      this.pos += 2;
      text = `~${baseName(enclosing)}`;
      noReturnType = true;
    } else if (c === 'U') text = this.unnamedType();
    else if (c === 'c' && this.peek(1) === 'v') {
      this.pos += 2;
      text = `operator ${this.printType(this.type())}`;
      noReturnType = true;
    } else if (c === 'l' && this.peek(1) === 'i') {
      this.pos += 2;
      text = `operator"" ${this.sourceName()}`;
    } else {
      const op = OPERATORS[this.s.slice(this.pos, this.pos + 2)];
      if (op === undefined) throw new Unsupported();
      this.pos += 2;
      text = /^[a-z]/.test(op) ? `operator ${op}` : `operator${op}`;
    }
    while (this.peek() === 'B') {
      this.pos++;
      text = capped(`${text}[abi:${this.sourceName()}]`);
    }
    return { text, noReturnType };
  }

  /** Ut [<number>] _ (an unnamed type), Ul <params> E [<number>] _ (a lambda). */
  private unnamedType(): string {
    if (this.eat('Ut')) {
      const n = this.optionalNumber();
      this.expect('_');
      return `{unnamed type#${n + 2}}`;
    }
    if (!this.eat('Ul')) throw new Unsupported();
    const params: string[] = [];
    while (!this.eat('E')) {
      if (this.atEnd()) throw new Unsupported();
      params.push(this.printType(this.type()));
    }
    const shown = params.length === 1 && params[0] === 'void' ? '' : params.join(', ');
    const n = this.optionalNumber();
    this.expect('_');
    return `{lambda(${shown})#${n + 2}}`;
  }

  /** [<number>] before `_`: absent is -1 (so "#1"), n is n. */
  private optionalNumber(): number {
    return this.peek() === '_' ? -1 : Number(this.number());
  }

  /** <source-name> ::= <length> <identifier>; `_GLOBAL__N_1` is the anonymous namespace. */
  private sourceName(): string {
    const len = Number(this.number());
    if (!(len > 0) || this.pos + len > this.s.length) throw new Unsupported();
    const id = this.s.slice(this.pos, this.pos + len);
    this.pos += len;
    if (id.startsWith('_GLOBAL_') && /^_GLOBAL_[._$]N/.test(id)) return '(anonymous namespace)';
    return id;
  }

  private number(): string {
    const start = this.pos;
    if (this.peek() === 'n') this.pos++;
    while (this.peek() >= '0' && this.peek() <= '9') this.pos++;
    const digits = this.s.slice(start, this.pos);
    if (digits === '' || digits === 'n' || digits.length > 9) throw new Unsupported();
    return digits.startsWith('n') ? `-${digits.slice(1)}` : digits;
  }

  private cvQualifiers(): string {
    let q = '';
    if (this.eat('r')) q += ' restrict';
    if (this.eat('V')) q += ' volatile';
    if (this.eat('K')) q += ' const';
    return q;
  }

  /** <substitution>: S_, S<seq-id>_, or a standard abbreviation. */
  private substitution(): { type: Type; text: string; ctorName: string } {
    this.expect('S');
    const c = this.peek();
    const std = STD_SUBS[c];
    if (std !== undefined) {
      this.pos++;
      return { type: { k: 'name', s: std.text }, ...std };
    }
    let index = 0;
    if (c !== '_') {
      const start = this.pos;
      while (/[0-9A-Z]/.test(this.peek())) this.pos++;
      if (this.pos === start || this.pos - start > 6) throw new Unsupported();
      index = parseInt(this.s.slice(start, this.pos), 36) + 1;
    }
    this.expect('_');
    const sub = this.subs[index];
    if (sub === undefined) throw new Unsupported();
    const text = this.printType(sub);
    return { type: sub, text, ctorName: baseName(text) };
  }

  private templateParam(): Type {
    this.expect('T');
    let index = 0;
    if (this.peek() !== '_') index = Number(this.number()) + 1;
    this.expect('_');
    return { k: 'param', index };
  }

  /** <template-args> ::= I <template-arg>+ E, printed `<a, b>` (with a space before a closing `>`). */
  private templateArgList(topLevel: boolean): string {
    this.expect('I');
    const args: Type[] = [];
    while (!this.eat('E')) {
      if (this.atEnd()) throw new Unsupported();
      args.push(this.templateArg());
    }
    if (topLevel) this.templateArgs = args;
    const printed = args.map((a) => this.printType(a));
    const inner = printed.filter((text) => text !== '').join(', ');
    // c++filt (libiberty) spaces `> >`, but not after an empty pack that ends a longer list (it takes back the ", ")
    const emptyLast = printed.length > 1 && printed[printed.length - 1] === '';
    return capped(`<${inner}${inner.endsWith('>') && !emptyLast ? ' ' : ''}>`);
  }

  private templateArg(): Type {
    const c = this.peek();
    if (c === 'L') return { k: 'name', s: this.literal() };
    if (c === 'J') {
      this.pos++;
      const items: Type[] = [];
      while (!this.eat('E')) {
        if (this.atEnd()) throw new Unsupported();
        items.push(this.templateArg());
      }
      return { k: 'args', items };
    }
    if (c === 'X') throw new Unsupported();
    return this.type();
  }

  /** <expr-primary> ::= L <type> <value> E | L _Z <encoding> E */
  private literal(): string {
    this.expect('L');
    if (this.eat('_Z')) {
      const saved = this.templateArgs;
      const text = this.encoding();
      this.templateArgs = saved;
      this.expect('E');
      return text;
    }
    const type = this.type();
    const start = this.pos;
    while (!this.atEnd() && this.peek() !== 'E') this.pos++;
    const raw = this.s.slice(start, this.pos);
    this.expect('E');
    if (!/^n?\d{1,20}$/.test(raw)) throw new Unsupported();
    const value = raw.startsWith('n') ? `-${raw.slice(1)}` : raw;
    if (type.k === 'name') {
      if (type.s === 'bool' && (value === '0' || value === '1')) return value === '1' ? 'true' : 'false';
      const code = Object.keys(LITERAL_SUFFIX).find((k) => BUILTIN[k] === type.s);
      if (code !== undefined) return value + (LITERAL_SUFFIX[code] ?? '');
    }
    return `(${this.printType(type)})${value}`;
  }

  /** <type>: every non-builtin type becomes a substitution candidate once parsed. */
  private type(): Type {
    return this.nest(() => {
      const c = this.peek();
      const builtin = BUILTIN[c];
      if (builtin !== undefined) {
        this.pos++;
        return { k: 'name', s: builtin };
      }
      if (c === 'D') {
        const d = this.peek(1);
        const named = BUILTIN_D[d];
        if (named !== undefined) {
          this.pos += 2;
          return { k: 'name', s: named };
        }
        if (d === 'p') {
          this.pos += 2;
          return this.add({ k: 'pack', of: this.type() });
        }
        throw new Unsupported();
      }
      if (c === 'u') {
        this.pos++;
        return this.add({ k: 'name', s: this.sourceName() });
      }
      if (c === 'r' || c === 'V' || c === 'K') {
        const q = this.cvQualifiers();
        return this.add(qualify(q, this.type()));
      }
      if (c === 'P' || c === 'R' || c === 'O') {
        this.pos++;
        const of = this.type();
        return this.add({ k: c === 'P' ? 'ptr' : c === 'R' ? 'ref' : 'rref', of });
      }
      if (c === 'F') return this.add(this.functionType(''));
      if (c === 'A') return this.add(this.arrayType());
      if (c === 'M') {
        this.pos++;
        const cls = this.type();
        const q = this.cvQualifiers();
        if (q !== '' && this.peek() !== 'F') throw new Unsupported();
        const of = this.peek() === 'F' ? this.functionType(q) : this.type();
        return this.add({ k: 'memptr', cls, of });
      }
      if (c === 'T') {
        const t = this.add(this.templateParam());
        if (this.peek() !== 'I') return t;
        return this.add({ k: 'name', s: capped(this.printType(t) + this.templateArgList(false)) });
      }
      if (c === 'S' && this.peek(1) !== 't') {
        const sub = this.substitution();
        if (this.peek() !== 'I') return sub.type;
        return this.add({ k: 'name', s: capped(sub.text + this.templateArgList(false)) });
      }
      if (c === 'N' || c === 'Z' || c === 'S' || (c >= '0' && c <= '9')) {
        return this.add({ k: 'name', s: this.name(false).text });
      }
      throw new Unsupported();
    });
  }

  /** F [Y] <return type> <parameter types> [<ref-qualifier>] E */
  private functionType(cv: string): Type {
    this.expect('F');
    this.eat('Y');
    const ret = this.type();
    const params: Type[] = [];
    let ref = '';
    while (!this.eat('E')) {
      if (this.atEnd()) throw new Unsupported();
      if (this.peek() === 'R' && this.peek(1) === 'E') {
        this.pos++;
        ref = ' &';
        continue;
      }
      if (this.peek() === 'O' && this.peek(1) === 'E') {
        this.pos++;
        ref = ' &&';
        continue;
      }
      params.push(this.type());
    }
    const onlyVoid = params.length === 1 && params[0]?.k === 'name' && params[0].s === 'void';
    return { k: 'func', ret, params: onlyVoid ? [] : params, suffix: cv + ref };
  }

  /** A <dimension> _ <element type> */
  private arrayType(): Type {
    this.expect('A');
    let dim = '';
    if (this.peek() !== '_') dim = this.number();
    this.expect('_');
    return { k: 'array', dim, of: this.type() };
  }

  private add(t: Type): Type {
    this.subs.push(t);
    if (this.subs.length > MAX_OUTPUT_LENGTH) throw new Unsupported();
    return t;
  }

  private nest<T>(f: () => T): T {
    this.nestDepth(1);
    try {
      return f();
    } finally {
      this.nestDepth(-1);
    }
  }

  private nestDepth(delta: number): void {
    this.depth += delta;
    if (this.depth > MAX_DEPTH) throw new Unsupported();
  }

  private printType(t: Type): string {
    return this.printer.type(t);
  }

  private peek(ahead = 0): string {
    return this.s.charAt(this.pos + ahead);
  }

  private atEnd(ahead = 0): boolean {
    return this.pos + ahead >= this.s.length;
  }

  private eat(token: string): boolean {
    if (!this.s.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  private expect(token: string): void {
    if (!this.eat(token)) throw new Unsupported();
  }
}
