/**
 * Slack messages for outbox notifications: pure functions from AlertFacts to
 * a Block Kit message with a plain `text` fallback. One notification gives a
 * detailed message; several of one kind (a burst in one pass) give one
 * grouped summary.
 */
import type { AlertFacts, Notification, TransitionKind } from './types.js';
import {
  codeBlock,
  context,
  escapeMrkdwn as esc,
  fieldsSection,
  fitMessage,
  header,
  section,
  SLACK_LIMITS,
  type Block,
  type SlackMessage,
} from '../extension/slack-limits.js';
import { classificationText, incidentUrl, type MessageContext } from './describe.js';
import { formatAge } from '../util/format-age.js';
import { redactDeep } from '../util/redact.js';

/**
 * Items of one kind; the caller groups them (see groupForSlack). The facts are
 * redacted (src/util/redact.ts) before they are escaped for mrkdwn, so the
 * `<redacted>` mark is escaped like any text rather than read as a Slack link.
 */
export function buildSlackMessage(allItems: Notification[], ctx: MessageContext): SlackMessage {
  const items = allItems.map((i) => ({ ...i, facts: redactDeep(i.facts) }));
  const first = items[0];
  if (!first) throw new Error('buildSlackMessage: no items');
  if (items.length > 1)
    return fitMessage(
      groupedMessage(
        first.kind,
        items.map((i) => i.facts),
        ctx,
      ),
    );
  const f = first.facts;
  if (first.kind === 'resolved') return fitMessage(resolvedMessage(f, ctx));
  if (first.kind === 'remediated') return fitMessage(remediatedMessage(f, ctx));
  return fitMessage(hungMessage(f, ctx, first.kind === 'reminder' ? reminderNumber(first.transition) : null));
}

function reminderNumber(transition: string): number {
  return Number(transition.split(':')[1] ?? 0);
}

function hungMessage(f: AlertFacts, ctx: MessageContext, reminder: number | null): SlackMessage {
  const age = formatAge(ctx.now - f.child.startTimeMs);
  const cls = classificationText(f.classification);
  const title =
    reminder === null
      ? `Hung forked child on ${f.host}: ${f.target.name}`
      : `Still hung (reminder ${reminder}): child ${f.child.pid} on ${f.host}`;
  const link = incidentUrl(f.incidentId, ctx);
  const blocks: Block[] = [
    header(`🚨 ${title}`),
    fieldsSection([
      `*Host*\n${esc(f.host)}`,
      `*Target*\n${esc(f.target.name)} (pid ${f.target.pid}${f.target.user ? `, user ${esc(f.target.user)}` : ''})`,
      `*Child*\npid ${f.child.pid}, forked ${age} ago, never exec'd`,
      `*Classification*\n${esc(cls)}`,
      `*Forking JVM thread*\n${esc(f.forkingThread ?? 'unknown')}`,
      `*Jenkins job*\n${esc(f.job ?? 'unknown')}`,
    ]),
  ];
  if (f.frames.length > 0)
    blocks.push(section(`*Matched frames* (innermost first)\n${codeBlock(f.frames, SLACK_LIMITS.sectionText - 40)}`));
  const refs = f.references.map((r) => (r.url ? `<${r.url}|${esc(r.title)}>` : esc(r.title)));
  if (refs.length > 0) blocks.push(section(`*Reference*: ${refs.join(' · ')}`));
  blocks.push(section(`*What to do*\n${whatToDo(f, ctx)}`));
  blocks.push(context(`${link ? `<${link}|Incident ${f.incidentId}>` : `Incident ${f.incidentId}`} · forkwatch`));
  const text = [
    `${title}: child pid ${f.child.pid} of ${f.target.name} (pid ${f.target.pid}) forked ${age} ago and never exec'd.`,
    `Classification: ${cls}.`,
    f.job ? `Jenkins job: ${f.job}.` : '',
    f.remediation?.outcome === 'killed' ? 'forkwatch killed it.' : `After checking: kill -9 ${f.child.pid}`,
    link ? `Incident: ${link}` : `Incident ${f.incidentId}`,
  ]
    .filter(Boolean)
    .join(' ');
  return { text, blocks };
}

/** The exact action for the on-call person, or what forkwatch did or will do. */
function whatToDo(f: AlertFacts, ctx: MessageContext): string {
  if (f.remediation && f.remediation.mode === 'kill' && f.remediation.outcome === 'killed') {
    return `forkwatch remediated it: sent SIGKILL to child ${f.child.pid}. The JVM thread that forked it should return; nothing to do.`;
  }
  const started = new Date(f.child.startTimeMs).toISOString();
  const check = `Check it is the same process (started ${started}, parent ${f.target.pid}): \`ps -o pid,ppid,lstart,stat,args -p ${f.child.pid}\``;
  const kill = `then kill it: \`kill -9 ${f.child.pid}\` (SIGKILL: the child inherited the JVM's SIGTERM handler). The forking JVM thread then returns and SCM polling resumes.`;
  if (ctx.remediationMode === 'kill')
    return `forkwatch will SIGKILL it (remediation.mode=kill) once its evidence is stored; a "remediated" message follows. If none does: ${check}, ${kill}`;
  const dry =
    ctx.remediationMode === 'dry-run' ? '\n_forkwatch is in dry-run mode: it would kill this child but does not._' : '';
  return `${check}, ${kill}${dry}`;
}

function resolvedMessage(f: AlertFacts, ctx: MessageContext): SlackMessage {
  const link = incidentUrl(f.incidentId, ctx);
  const lasted =
    f.confirmedAt !== null && f.resolvedAt !== null ? ` after ${formatAge(f.resolvedAt - f.child.startTimeMs)}` : '';
  const first = f.confirmedAt !== null ? ` (alerted ${new Date(f.confirmedAt).toISOString()})` : '';
  const line = `Resolved: hung child ${f.child.pid} of ${f.target.name} on ${f.host} is gone${f.resolution ? ` (${f.resolution})` : ''}${lasted}. Refers to incident ${f.incidentId}${first}.`;
  const blocks: Block[] = [section(`✅ ${esc(line)}${link ? ` <${link}|Open incident>` : ''}`)];
  return { text: `${line}${link ? ` ${link}` : ''}`, blocks };
}

function remediatedMessage(f: AlertFacts, ctx: MessageContext): SlackMessage {
  const link = incidentUrl(f.incidentId, ctx);
  const r = f.remediation;
  const what = r ? `${r.mode}: ${r.outcome}${r.detail ? ` (${r.detail})` : ''}` : 'remediated';
  const line = `forkwatch remediated hung child ${f.child.pid} of ${f.target.name} on ${f.host}: ${what}. Refers to incident ${f.incidentId}.`;
  return {
    text: `${line}${link ? ` ${link}` : ''}`,
    blocks: [section(`🔧 ${esc(line)}${link ? ` <${link}|Open incident>` : ''}`)],
  };
}

const GROUP_TITLES: Record<TransitionKind, (n: number) => string> = {
  opened: (n) => `🚨 ${n} hung forked children`,
  reminder: (n) => `🚨 ${n} children still hung`,
  resolved: (n) => `✅ ${n} hung children resolved`,
  remediated: (n) => `🔧 ${n} hung children remediated`,
};

/** One summary for a burst: a line per incident (as many as fit), the kill commands, the links. */
function groupedMessage(kind: TransitionKind, facts: AlertFacts[], ctx: MessageContext): SlackMessage {
  const hosts = [...new Set(facts.map((f) => f.host))].join(', ');
  const title = `${GROUP_TITLES[kind](facts.length)} on ${hosts}`;
  const lines = facts.map((f) => groupLine(kind, f, ctx));
  const blocks: Block[] = [header(title)];
  const maxLineBlocks = SLACK_LIMITS.blocks - 4;
  const chunks = chunkLines(lines, SLACK_LIMITS.sectionText);
  for (const chunk of chunks.slice(0, maxLineBlocks)) blocks.push(section(chunk));
  if (chunks.length > maxLineBlocks)
    blocks.push(context('… more incidents left out: see the API (GET /api/v1/incidents?state=open)'));
  if (kind === 'opened' || kind === 'reminder') {
    const pids = facts.map((f) => f.child.pid).join(' ');
    blocks.push(
      section(
        `*What to do*\nCheck each is still the same process (\`ps -o pid,ppid,lstart,stat,args -p ${facts.map((f) => f.child.pid).join(',')}\`), then: \`kill -9 ${pids}\``,
      ),
    );
  }
  const text = `${title.replace(/^\S+ /, '')}: ${facts.map((f) => `child ${f.child.pid} of ${f.target.name}`).join(', ')}`;
  return { text, blocks };
}

function groupLine(kind: TransitionKind, f: AlertFacts, ctx: MessageContext): string {
  const link = incidentUrl(f.incidentId, ctx);
  const ref = link ? `<${link}|${f.incidentId}>` : f.incidentId;
  const who = `child *${f.child.pid}* of ${esc(f.target.name)} (pid ${f.target.pid})`;
  if (kind === 'resolved') return `• ${who} is gone${f.resolution ? ` (${esc(f.resolution)})` : ''}: ${ref}`;
  if (kind === 'remediated') return `• ${who}: ${esc(f.remediation?.outcome ?? 'remediated')}: ${ref}`;
  const job = f.job ? `, job ${esc(f.job)}` : '';
  // Which JVM thread is stuck, also in a burst: the job alone is unknown without a thread dump.
  const thread = f.forkingThread ? `, thread ${esc(f.forkingThread)}` : '';
  return `• ${who}, ${formatAge(ctx.now - f.child.startTimeMs)}: ${esc(classificationText(f.classification))}${job}${thread}: ${ref}`;
}

/** Joins lines into texts of at most max characters (a longer single line is truncated by section()). */
function chunkLines(lines: string[], max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const line of lines) {
    if (cur && cur.length + 1 + line.length > max) {
      out.push(cur);
      cur = '';
    }
    cur = cur ? `${cur}\n${line}` : line;
  }
  if (cur) out.push(cur);
  return out;
}
