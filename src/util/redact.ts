/**
 * Secrets out of everything that leaves the process. Watched command lines
 * carry them (a Jenkins agent runs `java -jar agent.jar -secret <64 hex>`,
 * builds pass `-Dsomething.password=`, `--token=`, `https://user:pass@host`),
 * and the API, the page, the bundle, the alerts and the log show command
 * lines. Each rule keeps the key and replaces only the value with
 * `<redacted>`, so a reader still sees which flag was given.
 *
 * The rules are fixed JavaScript regexes written here (no nested quantifiers,
 * every repetition bounded: linear on any input); operator patterns
 * (`redact.patterns`) run on RE2 through compileSafeRegex. Input past
 * MAX_SCANNED_CHARS is cut, not passed through unscanned.
 *
 * Where it applies (see docs/security.md): once when evidence is recorded
 * (record/evidence.ts: the store never holds a known secret; the classifier
 * has compared the raw cmdline bytes before that), and again at every edge
 * (HTTP responses, alert messages, the bundle, log lines), because the store
 * may hold rows written before a pattern was added and because the edges are
 * few while the producers of text are many.
 */
import type { SafeRegex } from './safe-regex.js';

export const REDACTED = '<redacted>';
/** A longer string is cut here (stack texts are capped at 256 KiB before this). */
export const MAX_SCANNED_CHARS = 512 * 1024;
export const CUT_MARK = '…[cut: not scanned for secrets]';

/** Names whose value is a secret: `password=`, `--token=`, `-Dx.client_secret=`, `-secret X`. */
const SECRET_WORD =
  '(?:password|passwd|passphrase|pwd|token|secret|apikey|api[_-]key|access[_-]?key|private[_-]?key|credentials?|jnlpCredentials)';

interface Rule {
  name: string;
  re: RegExp;
  replace: string | ((match: string, ...groups: string[]) => string);
}

/** Each rule: $1 (and $2) kept, the value replaced. Order matters only for readability: rules are idempotent. */
export const BUILTIN_RULES: readonly Rule[] = [
  {
    // scheme://user:pass@host → scheme://user:<redacted>@host; scheme://token@host → scheme://<redacted>@host
    name: 'url-userinfo',
    re: /\b([a-z][a-z0-9+.-]{0,30}:\/\/)(?:([^\s/?#@:"'<>]{0,256}):)?[^\s/?#@"'<>]{1,1024}@/gi,
    replace: (_m, scheme: string, user: string | undefined) =>
      `${scheme}${user === undefined ? '' : `${user}:`}${REDACTED}@`,
  },
  {
    // Authorization: Bearer xxx / Basic xxx
    name: 'authorization-header',
    re: /\b(authorization\s{0,4}[:=]\s{0,4}(?:bearer|basic|token|digest)\s{1,4})[^\s"'<>,;]{1,4096}/gi,
    replace: `$1${REDACTED}`,
  },
  {
    // key=value: password=x, --token=x, -Dhudson.password=x, client_secret="x y", -secret=x
    name: 'key-value',
    re: new RegExp(
      `(^|[^\\w.-])([\\w.-]{0,128}?${SECRET_WORD})=(?:"[^"\\n]{0,4096}"|'[^'\\n]{0,4096}'|[^\\s&;,"'<>]{1,4096})`,
      'gi',
    ),
    replace: `$1$2=${REDACTED}`,
  },
  {
    // -secret X, --password X, -auth user:token (the value is the next argument; "@file" names a file: kept)
    name: 'flag-argument',
    re: new RegExp(`(^|\\s)(--?[\\w.-]{0,64}?(?:${SECRET_WORD}|auth))(\\s{1,16})(?![-@<])[^\\s"'<>]{1,4096}`, 'gi'),
    replace: `$1$2$3${REDACTED}`,
  },
];

export interface Redactor {
  /** s with every known secret's value replaced (cut at MAX_SCANNED_CHARS). */
  text(s: string): string;
  /** A copy of v with every string in it redacted (objects, arrays; other values as they are). */
  deep<T>(v: T): T;
}

/** Pure: the built-in rules plus the operator's patterns (whole match replaced). */
export function createRedactor(patterns: readonly SafeRegex[] = []): Redactor {
  const text = (input: string): string => {
    let s = input.length > MAX_SCANNED_CHARS ? input.slice(0, MAX_SCANNED_CHARS) + CUT_MARK : input;
    if (!mayHoldSecret(s) && patterns.length === 0) return s;
    for (const r of BUILTIN_RULES) s = s.replace(r.re, r.replace as string);
    for (const p of patterns) s = p.replaceAll(s, REDACTED);
    return s;
  };
  const deep = <T>(v: T): T => walk(v, text, 0) as T;
  return { text, deep };
}

/** Cheap pre-check: every built-in rule needs one of these characters (most strings are ids and numbers). */
function mayHoldSecret(s: string): boolean {
  return s.includes('=') || s.includes('@') || s.includes(' ') || s.includes('\t') || s.includes(':');
}

const MAX_DEPTH = 64;

function walk(v: unknown, text: (s: string) => string, depth: number): unknown {
  if (typeof v === 'string') return text(v);
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
  if (Buffer.isBuffer(v) || v instanceof Date) return v;
  if (Array.isArray(v)) return v.map((x) => walk(x, text, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = walk(x, text, depth + 1);
  return out;
}

/**
 * The process's one policy: built-ins until the daemon (or a CLI command)
 * installs the operator's patterns from the validated config. Process-wide on
 * purpose: log lines, the store, alerts and the API must all use the same
 * rules, and several of them (the logger) exist before any context does.
 */
let active: Redactor = createRedactor();

export function setRedactionPatterns(patterns: readonly SafeRegex[]): void {
  active = createRedactor(patterns);
}

export function redactText(s: string): string {
  return active.text(s);
}

export function redactDeep<T>(v: T): T {
  return active.deep(v);
}
