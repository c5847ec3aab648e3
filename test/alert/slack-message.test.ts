import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSlackMessage } from '../../src/alert/slack-message.js';
import { SLACK_LIMITS, type SlackMessage } from '../../src/extension/slack-limits.js';
import type { AlertFacts, Notification, TransitionKind } from '../../src/alert/types.js';
import type { MessageContext } from '../../src/alert/describe.js';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const ctx: MessageContext = { publicUrl: 'https://fw.example.org/', remediationMode: 'off', now: NOW };

function facts(over: Partial<AlertFacts> = {}): AlertFacts {
  return {
    incidentId: '0123456789abcdef',
    host: 'jenkins-ctl-1',
    target: { name: 'jenkins', pid: 4242, user: 'jenkins' },
    child: { pid: 5001, startTimeMs: NOW - 192_000 },
    confirmedAt: NOW - 60_000,
    resolvedAt: null,
    resolution: null,
    classification: {
      kind: 'signature',
      id: 'illumos-1667-pkcs11-atfork',
      title: 'pkcs11 atfork handler deadlock',
      severity: 'critical',
      version: '1',
    },
    frames: ['__lwp_park', 'mutex_lock_impl', 'pkcs11_close_common', '_postfork_child_handler', 'fork'],
    forkingThread: 'SCM polling f, tid 4300',
    job: 'demo-job',
    references: [{ title: 'illumos #1667', url: 'https://www.illumos.org/issues/1667' }],
    remediation: null,
    ...over,
  };
}

function note(kind: TransitionKind, f: AlertFacts, id = 1, transition: string = kind): Notification {
  return { id, transition, kind, sink: 'slack', createdAt: NOW, attempts: 0, facts: f };
}

function allText(m: SlackMessage): string {
  return JSON.stringify(m.blocks);
}

function assertWithinLimits(m: SlackMessage): void {
  assert.ok(m.blocks.length <= SLACK_LIMITS.blocks, `${m.blocks.length} blocks`);
  assert.ok(m.text.length > 0 && m.text.length <= SLACK_LIMITS.fallbackText, `fallback ${m.text.length}`);
  for (const b of m.blocks) {
    if (b.type === 'section' && b.text)
      assert.ok(b.text.text.length <= SLACK_LIMITS.sectionText, `section ${b.text.text.length}`);
    if (b.type === 'section' && b.fields) for (const f of b.fields) assert.ok(f.text.length <= SLACK_LIMITS.fieldText);
    if (b.type === 'header') assert.ok(b.text.text.length <= SLACK_LIMITS.headerText);
    if (b.type === 'context') for (const e of b.elements) assert.ok(e.text.length <= SLACK_LIMITS.contextText);
  }
}

test('opened: every fact the on-call person needs, in blocks and in the fallback text', () => {
  const m = buildSlackMessage([note('opened', facts())], ctx);
  const blocks = allText(m);
  for (const want of [
    'jenkins-ctl-1',
    'jenkins (pid 4242, user jenkins)',
    'pid 5001, forked 3m 12s ago',
    'pkcs11 atfork handler deadlock (illumos-1667-pkcs11-atfork)',
    'SCM polling f, tid 4300',
    'demo-job',
    '<https://www.illumos.org/issues/1667|illumos #1667>',
    '<https://fw.example.org/incidents/0123456789abcdef|Incident 0123456789abcdef>',
    '`kill -9 5001`',
    'ps -o pid,ppid,lstart,stat,args -p 5001',
  ]) {
    assert.ok(blocks.includes(want), `blocks lack ${want}`);
  }
  assert.match(
    blocks,
    /```\\n__lwp_park\\nmutex_lock_impl\\npkcs11_close_common\\n_postfork_child_handler\\nfork\\n```/,
  );
  assert.equal(m.blocks[0]?.type, 'header');
  for (const want of [
    'child pid 5001',
    'jenkins (pid 4242)',
    'illumos-1667-pkcs11-atfork',
    'demo-job',
    'kill -9 5001',
    'https://fw.example.org/incidents/0123456789abcdef',
  ]) {
    assert.ok(m.text.includes(want), `fallback lacks ${want}: ${m.text}`);
  }
  assertWithinLimits(m);
});

test('proven blocked, no frames, remediation modes, and Slack mrkdwn escaping', () => {
  const proven = buildSlackMessage(
    [
      note(
        'opened',
        facts({
          classification: { kind: 'proven-blocked' },
          frames: [],
          references: [],
          target: { name: 'a<b>&c', pid: 1, user: null },
        }),
      ),
    ],
    ctx,
  );
  assert.match(allText(proven), /proven blocked/);
  assert.doesNotMatch(allText(proven), /```/);
  assert.ok(allText(proven).includes('a&lt;b&gt;&amp;c (pid 1)'));
  const kill = buildSlackMessage([note('opened', facts())], { ...ctx, remediationMode: 'kill' });
  assert.match(allText(kill), /forkwatch will SIGKILL it/);
  const dry = buildSlackMessage([note('opened', facts())], { ...ctx, remediationMode: 'dry-run' });
  assert.match(allText(dry), /dry-run mode/);
  const done = buildSlackMessage(
    [note('opened', facts({ remediation: { mode: 'kill', outcome: 'killed', at: NOW, detail: null } }))],
    ctx,
  );
  assert.match(allText(done), /forkwatch remediated it/);
  assert.match(done.text, /forkwatch killed it/);
  const noUrl = buildSlackMessage([note('opened', facts())], { ...ctx, publicUrl: null });
  assert.match(allText(noUrl), /Incident 0123456789abcdef/);
  assert.doesNotMatch(allText(noUrl), /https:\/\/fw/);
});

test('resolved and remediated are short new messages referring to the first', () => {
  const r = buildSlackMessage([note('resolved', facts({ resolvedAt: NOW, resolution: 'gone' }))], ctx);
  assert.equal(r.blocks.length, 1);
  assert.match(
    r.text,
    /^Resolved: hung child 5001 of jenkins on jenkins-ctl-1 is gone \(gone\) after 3m 12s\. Refers to incident 0123456789abcdef \(alerted 2026-01-10T11:59:00\.000Z\)/,
  );
  const rem = buildSlackMessage(
    [
      note(
        'remediated',
        facts({ remediation: { mode: 'kill', outcome: 'killed', at: NOW, detail: 'SIGKILL via pidfd' } }),
      ),
    ],
    ctx,
  );
  assert.match(rem.text, /kill: killed \(SIGKILL via pidfd\)/);
  const rem2 = buildSlackMessage([note('reminder', facts(), 1, 'reminder:2')], ctx);
  assert.match(rem2.text, /Still hung \(reminder 2\)/);
});

test('huge inputs are truncated to Slack limits, never rejected: frames, names, code fence stays closed', () => {
  const frames = Array.from({ length: 2000 }, (_, i) => `very_long_function_name_${'x'.repeat(60)}_${i}`);
  const m = buildSlackMessage(
    [
      note(
        'opened',
        facts({
          frames,
          target: { name: 'j'.repeat(5000), pid: 1, user: 'u'.repeat(3000) },
          job: '<'.repeat(3000),
          host: 'h'.repeat(400),
        }),
      ),
    ],
    ctx,
  );
  assertWithinLimits(m);
  const code = m.blocks.find((b) => b.type === 'section' && b.text?.text.includes('Matched frames'));
  assert.ok(code && code.type === 'section' && code.text);
  assert.match(code.text.text, /…\n```$/);
  assert.equal(code.text.text.split('```').length, 3);
  // No half entity left by a cut through escaped text.
  for (const b of m.blocks)
    if (b.type === 'section') for (const f of b.fields ?? []) assert.doesNotMatch(f.text, /&[a-z]{0,3}…$/);
});

test('a burst is one grouped message; 300 incidents still fit in 50 blocks', () => {
  const items = Array.from({ length: 5 }, (_, i) =>
    note('opened', facts({ incidentId: `id${i}`, child: { pid: 6000 + i, startTimeMs: NOW - 90_000 } }), i),
  );
  const m = buildSlackMessage(items, ctx);
  assert.match(m.text, /^5 hung forked children on jenkins-ctl-1: child 6000 of jenkins, child 6001/);
  const text = allText(m);
  for (let i = 0; i < 5; i++) assert.ok(text.includes(`child *${6000 + i}*`));
  assert.ok(text.includes('`kill -9 6000 6001 6002 6003 6004`'));
  assertWithinLimits(m);
  const many = Array.from({ length: 300 }, (_, i) =>
    note(
      'opened',
      facts({
        incidentId: `${'z'.repeat(200)}${i}`,
        job: 'j'.repeat(200),
        child: { pid: 10_000 + i, startTimeMs: NOW },
      }),
      i,
    ),
  );
  const big = buildSlackMessage(many, ctx);
  assertWithinLimits(big);
  const resolved = buildSlackMessage(
    many.map((n) => ({ ...n, kind: 'resolved' as const, transition: 'resolved' })),
    ctx,
  );
  assertWithinLimits(resolved);
  assert.match(resolved.text, /^300 hung children resolved/);
});
