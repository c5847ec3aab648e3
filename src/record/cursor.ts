/** Opaque pagination cursors: base64url of a small JSON tuple, validated on the way back. */
import { InvalidCursorError } from './errors.js';
import { StoreInputError } from './errors.js';

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/** Decodes a cursor whose tuple has the given element types, else InvalidCursorError. */
export function decodeCursor(cursor: string, types: ('string' | 'number')[]): (string | number)[] {
  let parts: unknown;
  try {
    if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('shape');
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(cursor);
  }
  if (!Array.isArray(parts) || parts.length !== types.length) throw new InvalidCursorError(cursor);
  parts.forEach((p, i) => {
    const ok = types[i] === 'number' ? Number.isSafeInteger(p) : typeof p === 'string';
    if (!ok) throw new InvalidCursorError(cursor);
  });
  return parts as (string | number)[];
}

export function checkLimit(limit: number | undefined): number {
  const n = limit ?? 50;
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new StoreInputError(`limit must be an integer 1..1000, got ${String(limit)}`);
  return n;
}
