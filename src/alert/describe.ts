/** Wording shared by the Slack and Alertmanager messages. */
import type { Config } from '../config/config.js';
import type { Classification } from './types.js';

export interface MessageContext {
  /** Base URL of forkwatch's API/UI as people reach it; null: links are left out. */
  publicUrl: string | null;
  remediationMode: Config['remediation']['mode'];
  now: number;
}

export function incidentUrl(id: string, ctx: Pick<MessageContext, 'publicUrl'>): string | null {
  return ctx.publicUrl ? `${ctx.publicUrl.replace(/\/+$/, '')}/incidents/${encodeURIComponent(id)}` : null;
}

export function classificationText(c: Classification): string {
  if (c.kind === 'signature') return `${c.title} (${c.id})`;
  if (c.kind === 'proven-blocked') return 'proven blocked (single-threaded futex wait with no CPU progress; no known signature)';
  return 'unknown';
}

/** Label value for `signature` (CONTRIBUTING: an id, proven_blocked or unknown). */
export function signatureLabel(c: Classification): string {
  return c.kind === 'signature' ? c.id : c.kind === 'proven-blocked' ? 'proven_blocked' : 'unknown';
}

/** "45s", "3m 12s", "2h 5m", "1d 3h". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
