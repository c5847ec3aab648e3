/**
 * What a response may carry, decided once for every route (a preSerialization
 * hook, server.ts), so a new route cannot forget it:
 *
 * - secrets: every string goes through the process's redaction policy
 *   (src/util/redact.ts). The store already holds redacted cmdlines; this
 *   pass also covers rows written before a pattern was added, stack texts,
 *   audit details and anything a later route returns.
 * - raw kernel evidence and addresses: `/proc/PID/syscall` lines (registers,
 *   user-space addresses; the file is 0400 on the host), kernel stacks, frame
 *   addresses and any 0x-address in stack texts reveal the JVM's memory
 *   layout. Without the bearer token they are withheld; the verdicts built
 *   from them (futexWaitPrivate, wchan, state, syscallNr) stay.
 */
import { redactDeep } from '../util/redact.js';

/** Keys whose values are raw kernel text or an absolute address. */
const RAW_KEYS = new Set(['syscall', 'kernelStack', 'address']);
/** An absolute address: 0x and 8+ hex digits (offsets like +0x1c are shorter). */
const ADDRESS = /\b0x[0-9a-f]{8,16}\b/gi;
const MAX_DEPTH = 64;

export function withoutRawEvidence(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return v.includes('0x') ? v.replace(ADDRESS, '0x…') : v;
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => withoutRawEvidence(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = RAW_KEYS.has(k) && typeof x === 'string' ? null : withoutRawEvidence(x, depth + 1);
  }
  return out;
}

/** The payload as the client may see it. */
export function discloseTo(payload: unknown, authorized: boolean): unknown {
  return redactDeep(authorized ? payload : withoutRawEvidence(payload));
}
