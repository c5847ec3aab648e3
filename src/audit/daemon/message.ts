/**
 * The Slack warning for a fork-risk rise: pure, plain data to Block Kit,
 * redacted then escaped for mrkdwn, within Slack's limits. A warning, never a
 * page: nothing is hung yet, the JVM is only set up so that one can hang.
 */
import {
  context,
  escapeMrkdwn as esc,
  fitMessage,
  header,
  section,
  truncate,
  type SlackMessage,
} from '../../extension/slack-limits.js';
import { redactDeep } from '../../util/redact.js';
import type { AuditResult, RiskLevel } from '../types.js';

const MAX_REASONS = 8;

export function buildRiseMessage(input: { host: string; from: RiskLevel; result: AuditResult }): SlackMessage {
  const { host, from, result: r } = redactDeep(input);
  const title = `:warning: Warning: fork risk of ${r.target} rose to ${r.risk} on ${host}`;
  const reasons = r.reasons
    .slice(0, MAX_REASONS)
    .map(
      (x) =>
        `• *${esc(x.level)}* ${esc(x.title)} (\`${esc(x.rule)}\`)\n   evidence: ${esc(truncate(x.evidence.text, 300))}\n   prevention: ${esc(truncate(x.prevention, 500))}`,
    );
  const more = r.reasons.length - reasons.length;
  return fitMessage({
    text: `Warning (not a page): fork risk of ${r.target} (pid ${r.pid ?? '?'}) on ${host} rose from ${from} to ${r.risk}: ${r.reasons.map((x) => x.rule).join(', ')}`,
    blocks: [
      header(title),
      context(
        `pid ${r.pid ?? '?'} · was ${esc(from)} · severity warning: no child is hung yet, this JVM is set up so that one can hang`,
      ),
      section(`${reasons.join('\n')}${more > 0 ? `\n… and ${more} more` : ''}` || 'no reason given'),
    ],
  });
}
