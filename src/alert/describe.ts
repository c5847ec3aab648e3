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
  if (c.kind === 'proven-blocked')
    return 'proven blocked (single-threaded futex wait with no CPU progress; no known signature)';
  return 'unknown';
}

/** Label value for `signature` (CONTRIBUTING: an id, proven_blocked or unknown). */
export function signatureLabel(c: Classification): string {
  return c.kind === 'signature' ? c.id : c.kind === 'proven-blocked' ? 'proven_blocked' : 'unknown';
}
