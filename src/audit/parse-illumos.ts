/**
 * Pure parsers for illumos' proc tools, run by read-illumos.ts:
 * `pldd PID` (the objects a process has mapped) and `pargs -a -e PID` (its
 * arguments and environment; of that only the AUDITED_ENV variables are kept).
 */
import { pickAuditedEnv } from './parse-proc.js';

/** pldd: a "PID:\targs" header, then one absolute path per line. */
export function parsePldd(text: string, max = 1024): string[] {
  const out = new Set<string>();
  const lines = text.split('\n', 100_000);
  for (const line of lines.slice(1)) {
    const path = line.trim();
    if (path.startsWith('/') && path.length <= 4096) out.add(path);
    if (out.size >= max) break;
  }
  return [...out];
}

/** pargs -a -e: a "PID:\targs" header, "argv[N]: arg" lines, then "envp[N]: NAME=value" lines. */
export function parsePargs(text: string): { args: string[]; env: Record<string, string> } {
  const args: string[] = [];
  const entries: string[] = [];
  for (const line of text.split('\n', 100_000)) {
    const m = /^(argv|envp)\[[0-9]{1,6}\]: (.*)$/.exec(line.length > 8192 ? '' : line);
    if (m?.[1] === 'argv' && args.length < 2048) args.push(m[2]!);
    if (m?.[1] === 'envp') entries.push(m[2]!);
  }
  return { args, env: pickAuditedEnv(entries) };
}
