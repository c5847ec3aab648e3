/**
 * Total readers for JSON of unknown shape: the page reads the daemon's API
 * responses through these, so a missing or renamed field shows as "—" instead
 * of breaking the page.
 */
export type Json = Record<string, unknown>;

export function obj(v: unknown): Json | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

export function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return null;
}

/** A time as ms since the epoch: a number, or an ISO string. */
export function ms(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.length <= 64) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** The first of several keys that holds something (APIs spell things differently). */
export function pick(o: Json | null, ...keys: string[]): unknown {
  if (!o) return undefined;
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

/** A list out of a response: a bare array, or {items|data|<name>: [...]}. */
export function listOf(body: unknown, ...names: string[]): unknown[] {
  if (Array.isArray(body)) return body;
  const o = obj(body);
  return arr(pick(o, 'items', ...names, 'data'));
}

export function bool(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}
