/**
 * Pure parsers for what the audit reads from /proc/PID (or pldd/pargs on
 * illumos). Everything here is hostile input: bounded counts and lengths, and
 * of the environment only the AUDITED_ENV variables are ever kept.
 */
import { AUDITED_ENV } from './schema.js';

const MAX_PATH = 4096;
const MAX_ARGS = 2048;
const MAX_VALUE = 4096;
const MAX_PROPERTIES = 4096;

/** The distinct files mapped (the path column of /proc/PID/maps), in first-seen order; at most `max`. */
export function parseMapsPaths(maps: string, max = 1024): string[] {
  const out = new Set<string>();
  for (const line of maps.split('\n', 1_000_000)) {
    const slash = line.indexOf(' /');
    if (slash < 0 || line.length > MAX_PATH + 128) continue;
    out.add(line.slice(slash + 1).replace(/ \(deleted\)$/, ''));
    if (out.size >= max) break;
  }
  return [...out];
}

/** NUL-separated strings (cmdline, environ). */
export function splitNul(bytes: Buffer, max = MAX_ARGS): string[] {
  const parts = bytes.toString('utf8').split('\0', max + 1);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.slice(0, max).map((s) => s.slice(0, MAX_VALUE));
}

/** Only the audited variables of an environment block; every other value is dropped here. */
export function pickAuditedEnv(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq <= 0) continue;
    const name = e.slice(0, eq);
    if ((AUDITED_ENV as readonly string[]).includes(name)) out[name] = e.slice(eq + 1, eq + 1 + MAX_VALUE);
  }
  return out;
}

/** -Dname=value arguments (a bare -Dname is ""), up to the main class or -jar (what follows is the program's). */
export function propertiesFromArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args.slice(1)) {
    if (a === '-jar' || a === '-cp' || a === '-classpath' || a === '--class-path' || a === '-m' || a === '--module')
      continue;
    if (!a.startsWith('-')) break;
    if (!a.startsWith('-D') || a.length < 3) continue;
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (Object.keys(out).length >= MAX_PROPERTIES) break;
    out[name] = eq < 0 ? '' : a.slice(eq + 1);
  }
  return out;
}

/** The -D options of JAVA_TOOL_OPTIONS and friends (whitespace separated, as the JVM reads them; quotes not handled). */
export function propertiesFromOptionsVar(value: string): Record<string, string> {
  return propertiesFromArgs(['java', ...value.split(/\s+/, MAX_ARGS).filter(Boolean)]);
}

/** `jcmd PID VM.system_properties`: `name=value` lines (values escaped as in a .properties file; kept as printed). */
export function parseSystemProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n', 100_000)) {
    const m = /^([A-Za-z0-9_.$-]{1,200})=(.*)$/.exec(line.length > MAX_VALUE ? '' : line);
    if (m && Object.keys(out).length < MAX_PROPERTIES) out[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  }
  return out;
}

/** glibc prints "… stable release version 2.36." (also "release version 2.17,"); the bytes are libc.so.6's. */
export function parseGlibcVersion(text: string): string | null {
  const m = /GNU C Library [^\n\0]{0,200}?release version ([0-9]{1,3}\.[0-9]{1,3})/.exec(text);
  return m ? m[1]! : null;
}

/** A glibc whose file name carries its version (libc-2.17.so, before 2.34). */
export function glibcVersionFromPath(path: string): string | null {
  return /\/libc-([0-9]{1,3}\.[0-9]{1,3})\.so$/.exec(path)?.[1] ?? null;
}

/** -1, 0, 1 comparing dotted numeric versions ("2.9" < "2.24"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
