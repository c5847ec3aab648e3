/**
 * Facts about the host an upstream bug report needs: OS (os-release), kernel,
 * architecture, libc. Cheap, no external program: libc's version comes from
 * Node's own diagnostic report header (glibc) or the dynamic loader's name
 * (musl). Parsers are pure.
 */
import { readFileSync } from 'node:fs';
import { arch, hostname, release, version } from 'node:os';

export interface HostFacts {
  hostname: string;
  os: { prettyName: string | null; id: string | null; versionId: string | null } | null;
  kernel: { release: string; version: string };
  arch: string;
  libc: { family: 'glibc' | 'musl' | 'unknown'; version: string | null };
}

const MAX_OS_RELEASE = 16 * 1024;

/** /etc/os-release: KEY=value or KEY="value" lines. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.slice(0, MAX_OS_RELEASE).split('\n')) {
    const m = /^([A-Z0-9_]{1,64})=(.*)$/.exec(line.trim());
    if (!m) continue;
    out[m[1]!] = unquote(m[2]!);
  }
  return out;
}

export function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0])
    return t.slice(1, -1).replace(/\\(["'\\$`])/g, '$1');
  return t;
}

export function collectHostFacts(): HostFacts {
  const osRelease = readSmall('/etc/os-release') ?? readSmall('/usr/lib/os-release');
  const kv = osRelease ? parseOsRelease(osRelease) : null;
  return {
    hostname: hostname(),
    os: kv ? { prettyName: kv.PRETTY_NAME ?? null, id: kv.ID ?? null, versionId: kv.VERSION_ID ?? null } : null,
    kernel: { release: release(), version: version() },
    arch: arch(),
    libc: hostLibc(),
  };
}

let libcCache: HostFacts['libc'] | null = null;

function hostLibc(): HostFacts['libc'] {
  libcCache ??= readLibc();
  return libcCache;
}

function readLibc(): HostFacts['libc'] {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  if (header?.glibcVersionRuntime) return { family: 'glibc', version: header.glibcVersionRuntime };
  return { family: 'unknown', version: null };
}

function readSmall(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').slice(0, MAX_OS_RELEASE);
  } catch {
    return null;
  }
}
