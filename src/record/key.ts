/** Incident identity: key = host + target (pid, start) + child (pid, start); id = short hash of the key. */
import { createHash } from 'node:crypto';
import type { ChildReport } from '../classify/types.js';
import type { IncidentIdentity } from './types.js';

export function incidentKey(k: IncidentIdentity): string {
  return `${k.host}/${k.targetPid}@${k.targetStartMs}/${k.childPid}@${k.childStartMs}`;
}

/** The store's key for a child of a target on this host. */
export function childKey(host: string, c: ChildReport): string {
  return incidentKey({
    host,
    targetPid: c.target.pid,
    targetStartMs: c.target.startTimeMs,
    childPid: c.child.pid,
    childStartMs: c.child.startTimeMs,
  });
}

/**
 * 16 lowercase hex chars (64 bits) of SHA-256 over the key: stable across
 * restarts and hosts, URL-safe, short enough to type; collisions need ~4e9
 * incidents on one store.
 */
export function incidentId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

const ID_RE = /^[0-9a-f]{16}$/;

export function looksLikeIncidentId(s: string): boolean {
  return ID_RE.test(s);
}
