/**
 * The fingerprint's version, alone so the store can record it without loading
 * the matcher. 1: the top 8 normalized names as printed (incidents stored
 * before migration 3 keep it). 2: one fingerprint per hang
 * (src/match/fingerprint.ts, docs/signatures.md "Fingerprint").
 */
export const FINGERPRINT_VERSION = 2;
