/**
 * Slack's Block Kit limits, and text helpers that respect them: a message
 * that would break a limit is truncated, never rejected (a 400
 * invalid_blocks would dead-letter the alert).
 */

export const SLACK_LIMITS = {
  /** section.text */
  sectionText: 3000,
  /** each section field */
  fieldText: 2000,
  fields: 10,
  /** header block plain_text */
  headerText: 150,
  /** each context element */
  contextText: 2000,
  blocks: 50,
  /** The top-level `text` (notification fallback). Slack truncates at 40,000; phones show far less. */
  fallbackText: 4000,
} as const;

export type TextObject = { type: 'mrkdwn' | 'plain_text'; text: string; emoji?: boolean };
export type Block =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** Slack's three control characters in mrkdwn. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cut to max characters with an ellipsis, never leaving half an entity or a lone surrogate. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - 1));
  cut = cut.replace(/&[a-z]{0,4}$/, '').replace(/[\uD800-\uDBFF]$/, '');
  return `${cut}…`;
}

/** A fenced code block whose content is cut so the whole fits in max characters and the fence stays closed. */
export function codeBlock(lines: string[], max: number): string {
  const fence = '```';
  const room = max - fence.length * 2 - 2;
  let body = lines.map(escapeMrkdwn).join('\n');
  if (body.length > room) body = truncate(body, room - 1) + '\n';
  return `${fence}\n${body}\n${fence}`.replace(/\n\n```$/, '\n```');
}

export const mrkdwn = (text: string, max: number = SLACK_LIMITS.sectionText): TextObject => ({
  type: 'mrkdwn',
  text: truncate(text, max),
});

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, SLACK_LIMITS.headerText), emoji: true } };
}

export function section(text: string): Block {
  return { type: 'section', text: mrkdwn(text) };
}

export function fieldsSection(fields: string[]): Block {
  return {
    type: 'section',
    fields: fields.slice(0, SLACK_LIMITS.fields).map((f) => mrkdwn(f, SLACK_LIMITS.fieldText)),
  };
}

export function context(text: string): Block {
  return { type: 'context', elements: [mrkdwn(text, SLACK_LIMITS.contextText)] };
}

/** The last line of defence: at most 50 blocks (the last one says how many were left out), fallback text capped. */
export function fitMessage(msg: SlackMessage): SlackMessage {
  let blocks = msg.blocks;
  if (blocks.length > SLACK_LIMITS.blocks) {
    const dropped = blocks.length - (SLACK_LIMITS.blocks - 1);
    blocks = [
      ...blocks.slice(0, SLACK_LIMITS.blocks - 1),
      context(`… ${dropped} more blocks left out (Slack allows ${SLACK_LIMITS.blocks})`),
    ];
  }
  return { text: truncate(msg.text, SLACK_LIMITS.fallbackText), blocks };
}
