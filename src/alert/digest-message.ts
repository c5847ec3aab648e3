/**
 * The Slack digest as a message: pure, from plain data to Block Kit. Open
 * incidents, incidents resolved since the last digest, watched JVMs at risk
 * (the fork-risk audit's, when wired) and what the outbox could not deliver.
 * Everything shown is redacted (src/util/redact.ts) before it is escaped for
 * mrkdwn, and every limit of src/extension/slack-limits.ts holds: a long list is
 * cut with a count of what was left out, never rejected by Slack.
 */
import type { IncidentSummary, OutboxStats } from '../record/types.js';
import {
  context,
  escapeMrkdwn as esc,
  fitMessage,
  header,
  section,
  SLACK_LIMITS,
  truncate,
  type Block,
  type SlackMessage,
} from '../extension/slack-limits.js';
import { incidentUrl } from './describe.js';
import type { AtRiskTarget } from '../extension/scheduled-jobs.js';
import { formatAge } from '../util/format-age.js';
import { redactDeep } from '../util/redact.js';

export interface DigestFacts {
  host: string;
  /** The schedule's fire time this digest is for (ms). */
  firedAt: number;
  /** The previous digest's fire time (for the first digest: 24 h before firedAt). */
  since: number;
  first: boolean;
  open: IncidentSummary[];
  resolved: IncidentSummary[];
  atRisk: AtRiskTarget[];
  /** Per sink: rows pending retry and dead-lettered. */
  undeliverable: OutboxStats[];
  publicUrl: string | null;
}

/** Lines per list; the rest is counted. */
const MAX_LINES = 20;

export function buildDigestMessage(input: DigestFacts): SlackMessage {
  const f = redactDeep(input);
  const when = new Date(f.firedAt).toISOString().replace(/\.000Z$/, 'Z');
  const sinceText = `since ${new Date(f.since).toISOString().replace(/\.000Z$/, 'Z')}${f.first ? ' (first digest: the last 24 h)' : ''}`;
  const stuck = f.undeliverable.filter((u) => u.pending > 0 || u.dead > 0);
  const blocks: Block[] = [
    header(`forkwatch digest for ${f.host}`),
    context(`${esc(when)} · ${esc(sinceText)}`),
    listSection(
      `*Open incidents* (${f.open.length})`,
      f.open.map((i) => openLine(i, f)),
    ),
    listSection(
      `*Resolved since the last digest* (${f.resolved.length})`,
      f.resolved.map((i) => resolvedLine(i, f)),
    ),
    listSection(`*Watched JVMs at risk* (${f.atRisk.length})`, f.atRisk.map(riskLine)),
    listSection(
      `*Undeliverable* (${stuck.reduce((n, u) => n + u.pending + u.dead, 0)})`,
      stuck.map(
        (u) =>
          `${esc(u.sink)}: ${u.pending} pending retry${u.pending ? ` (oldest ${formatAge(u.oldestPendingAgeMs)})` : ''}, ${u.dead} failed for good`,
      ),
    ),
  ];
  const text = `forkwatch digest for ${f.host}: ${f.open.length} open, ${f.resolved.length} resolved ${sinceText}, ${f.atRisk.length} at risk, ${stuck.length ? 'some alerts undeliverable' : 'every alert delivered'}`;
  return fitMessage({ text, blocks });
}

function listSection(title: string, lines: string[]): Block {
  if (lines.length === 0) return section(`${title}\nnone`);
  const shown: string[] = [];
  let room = SLACK_LIMITS.sectionText - title.length - 40;
  for (const line of lines.slice(0, MAX_LINES)) {
    const l = truncate(line, 300);
    if (l.length + 1 > room) break;
    shown.push(l);
    room -= l.length + 1;
  }
  const more = lines.length - shown.length;
  return section(`${title}\n${shown.map((l) => `• ${l}`).join('\n')}${more > 0 ? `\n… and ${more} more` : ''}`);
}

function link(i: IncidentSummary, f: DigestFacts): string {
  const url = incidentUrl(i.id, f);
  return url ? `<${url}|${esc(i.id)}>` : esc(i.id);
}

function openLine(i: IncidentSummary, f: DigestFacts): string {
  const sig = i.signatureTitle ?? i.signatureId ?? 'not yet classified';
  return `${link(i, f)} ${esc(i.targetName)}: child ${i.childPid}, ${esc(i.state)} ${formatAge(f.firedAt - i.openedAt)}, ${esc(sig)}`;
}

function resolvedLine(i: IncidentSummary, f: DigestFacts): string {
  return `${link(i, f)} ${esc(i.targetName)}: child ${i.childPid}, ${esc(i.resolvedReason ?? 'resolved')}`;
}

function riskLine(r: AtRiskTarget): string {
  return `${esc(r.target)}${r.pid ? ` (pid ${r.pid})` : ''}: ${esc(r.risk)} — ${esc(r.reasons.join('; ') || 'no reason given')}`;
}
