/** Bounded number tokens shared by the /proc parsers. */
const UINT = /^\d{1,20}$/;
const INT = /^-?\d{1,20}$/;

export function toUint(s: string | undefined): number | null {
  return s !== undefined && UINT.test(s) ? Number(s) : null;
}

export function toInt(s: string | undefined): number | null {
  return s !== undefined && INT.test(s) ? Number(s) : null;
}

/** A hex bit set ("0000000000040000", or "0x80"), as a bigint; null when not hex. */
export function toHexBig(v: string | undefined): bigint | null {
  if (v === undefined) return null;
  const m = /^(?:0x)?([0-9a-fA-F]{1,32})$/.exec(v.trim());
  return m ? BigInt(`0x${m[1]}`) : null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
