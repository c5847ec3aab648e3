import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderOverviewFragment, renderOverviewPage } from '../../../src/page/views/overview.js';
import { renderIncidentPage } from '../../../src/page/views/incident.js';
import { formatDuration } from '../../../src/page/views/format.js';
import type { OverviewData, PageIncident } from '../../../src/page/model.js';
import { HOSTILE, NOW, sampleIncident, sampleOverview, sampleStatus } from './samples.js';

/** Every untrusted field of an incident set to `s`. */
function hostileIncident(s: string): PageIncident {
  const base = sampleIncident();
  return sampleIncident({
    id: s.slice(0, 150),
    state: s,
    host: s,
    target: { name: s, pid: 1, startTimeMs: NOW },
    child: { pid: 2, startTimeMs: NOW, comm: s, cmdline: s },
    signature: { id: s, title: s, severity: s, version: s },
    fingerprint: s,
    jenkinsJob: s,
    forkingThread: { tid: 3, name: s, javaName: s },
    evidence: {
      ...base.evidence!,
      rawStack: s,
      captureBackend: s,
      captureError: s,
      threads: [{ tid: 4, name: s, frames: [{ fn: s, module: s, offset: 1, address: s, source: s }] }],
      matched: [{ threadIndex: 0, frameIndexes: [0] }],
      kernel: [{ label: s, value: s }],
    },
    audit: [{ at: NOW, action: s, outcome: s, detail: s, actor: s }],
  });
}

function hostileOverview(s: string): OverviewData {
  const inc = hostileIncident(s);
  return sampleOverview({
    status: sampleStatus({
      host: s,
      version: s,
      remediationMode: s,
      scanErrors: [{ at: NOW, stage: s, message: s }],
      problems: [s],
    }),
    targets: [
      {
        name: s,
        pid: 1,
        startTimeMs: NOW,
        up: true,
        user: s,
        cmdline: s,
        processes: 3,
        forkRisk: {
          pid: 1,
          risk: s,
          auditedAt: NOW,
          reasons: [{ rule: s, title: s, level: s, evidence: s, prevention: s }],
          notes: [s, s],
        },
      },
    ],
    children: [
      {
        target: s,
        targetPid: 1,
        pid: 2,
        startTimeMs: NOW,
        classification: s,
        ageMs: 5,
        overdue: true,
        state: s,
        comm: s,
        cmdline: s,
        depth: 1,
        incidentId: inc.id,
      },
    ],
    openIncidents: [inc],
    resolvedIncidents: [{ ...inc, state: 'resolved' }],
  });
}

/** A start or end tag with its attributes, quoted values honoured. */
const TAG = /<\/?([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTR = /\s([^\s"'<>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
const ALLOWED_TAGS = new Set(
  'html head meta title link script noscript body header a span main section h1 h2 h4 p ul li ol dl dt dd code pre strong details summary article table thead tbody tr th td time mark footer div form label input button'.split(
    ' ',
  ),
);

/** The markup's own structure: exactly our one script, no image, no event handler attribute, no injected id. */
function assertNoInjection(doc: string, label: string): void {
  assert.equal((doc.match(/<script\b/gi) ?? []).length, 1, `${label}: one <script> (ours)`);
  assert.match(doc, /<script src="\/page\/assets\/page-[0-9a-f]{12}\.js" defer><\/script>/);
  assert.doesNotMatch(doc, /<img\b/i, `${label}: no <img>`);
  const tags = [...doc.matchAll(TAG)];
  for (const t of tags) {
    assert.ok(ALLOWED_TAGS.has(t[1]!.toLowerCase()), `${label}: unexpected tag <${t[1]}>`);
    for (const a of t[2]!.matchAll(ATTR))
      assert.doesNotMatch(a[1]!, /^on/i, `${label}: event handler attribute ${a[1]} on <${t[1]}>`);
  }
  const text = doc.replace(/^<!doctype html>/, '').replace(TAG, '');
  assert.doesNotMatch(text, /[<>]/, `${label}: a < or > outside a well-formed tag`);
  assert.doesNotMatch(doc, /<b id="injected"|<\/textarea>|<\/pre><\/code><b/i, `${label}: no closing/injected tags`);
  assert.doesNotMatch(doc, /href="javascript:/i, `${label}: no javascript: link`);
  assert.doesNotMatch(
    doc,
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/,
    `${label}: no raw control`,
  );
  assert.doesNotMatch(doc, /\style=/i, `${label}: no inline style (CSP style-src 'self')`);
}

for (const [name, s] of Object.entries(HOSTILE)) {
  test(`overview escapes hostile ${name} in every field`, () => {
    assertNoInjection(renderOverviewPage(hostileOverview(s)), `overview/${name}`);
  });
  test(`incident page escapes hostile ${name} in every field`, () => {
    const status = sampleStatus({ killAvailable: true, remediationMode: 'kill' });
    assertNoInjection(renderIncidentPage({ status, incident: hostileIncident(s) }), `incident/${name}`);
  });
}

test('the injection check itself catches unescaped markup', () => {
  const good = renderOverviewPage(sampleOverview());
  for (const bad of [
    '<img src=x onerror=alert(1)>',
    '<b id="injected">',
    '<span title="x" onclick="y">',
    '"><script>x</script>',
    'a < b',
  ]) {
    assert.throws(
      () => assertNoInjection(good.replace('<main id="content"', `${bad}<main id="content"`), 'self-test'),
      `catches ${bad}`,
    );
  }
});

test('hostile script shows as its escaped text', () => {
  const doc = renderOverviewPage(hostileOverview(HOSTILE.script!));
  assert.ok(doc.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
});

test('an RLO override is shown as a visible marker, not applied', () => {
  const doc = renderIncidentPage({ status: sampleStatus(), incident: hostileIncident(HOSTILE.rlo!) });
  assert.ok(doc.includes('invoice<span class=ctl>U+202E</span>txt.exe'));
});

test('a 100,000-character line is cut inline and says how much', () => {
  const doc = renderOverviewPage(hostileOverview(HOSTILE.longLine!));
  assert.match(doc, /… 98000 more characters/);
  assert.ok(doc.length < 1_000_000, `page stays bounded: ${doc.length}`);
});

test('overview: the fork-risk section of a watched JVM (risk, reasons, evidence, prevention); none for another pid', () => {
  const forkRisk = {
    pid: 100,
    risk: 'high',
    auditedAt: NOW,
    reasons: [
      {
        rule: 'jdk-fork-with-preload',
        title: 'FORK with a preload',
        level: 'high',
        evidence: 'LD_PRELOAD=/opt/x.so',
        prevention: 'use POSIX_SPAWN',
      },
    ],
    notes: [],
  };
  const base = sampleOverview();
  const t = { ...base.targets[0]!, pid: 100, forkRisk };
  const doc = renderOverviewPage({ ...base, targets: [t] });
  assert.match(doc, /<section class="fork-risk" data-risk="high">/);
  assert.match(doc, /<tr data-rule="jdk-fork-with-preload">/);
  assert.match(doc, /LD_PRELOAD=\/opt\/x\.so/);
  assert.match(doc, /use POSIX_SPAWN/);
  assert.doesNotMatch(
    renderOverviewPage({ ...base, targets: [{ ...t, pid: 101 }] }),
    /fork-risk/,
    'an audit of another pid is not shown',
  );
});

test('overview: targets, children with classification and age, hung marked; decoys not hung', () => {
  const doc = renderOverviewPage(sampleOverview());
  assert.match(doc, /<tr class="child hung" data-pid="5151" data-classification="never-execed" data-hung="true">/);
  assert.match(doc, /data-pid="5152" data-classification="execed" data-hung="false"/);
  assert.match(doc, /data-pid="5153" data-classification="never-execed" data-hung="false"/);
  assert.match(doc, /never exec&#39;d<\/span> · overdue/);
  assert.match(doc, /10m 0s/);
  assert.match(doc, /<span class="badge down">not found<\/span>/);
  assert.match(doc, /href="\/incidents\/inc-7f3a"/);
  assert.match(doc, /Recently resolved[\s\S]*inc-old/);
  assert.match(doc, /<title>\(1 hung\) forkwatch<\/title>/);
});

test('matched frames are highlighted within the full stack, the rest are not', () => {
  const doc = renderIncidentPage({ status: sampleStatus(), incident: sampleIncident() });
  const frames = [...doc.matchAll(/<li class="(frame[^"]*)" data-frame="(\d+)">/g)].map((m) => [Number(m[2]), m[1]]);
  assert.deepEqual(frames, [
    [0, 'frame'],
    [1, 'frame hit'],
    [2, 'frame'],
    [3, 'frame hit'],
    [4, 'frame hit'],
  ]);
  assert.match(
    doc,
    /<li class="frame hit" data-frame="1"><span class="idx">#1<\/span> <mark><span class="fn"><span class="untrusted">__pthread_mutex_lock/,
  );
  assert.match(doc, /Raw capture \(eu-stack\)/);
});

test('incident page: facts, job, forking thread, advice, timeline', () => {
  const doc = renderIncidentPage({ status: sampleStatus(), incident: sampleIncident() });
  for (const s of [
    'demo-job',
    'SCM polling for demo-job',
    'glibc-atfork-mutex',
    'f00dfeed',
    'kill -KILL 5151',
    'futex_do_wait',
    'confirmed',
  ]) {
    assert.ok(doc.includes(s), `incident page shows ${s}`);
  }
  assert.match(doc, /data-refresh="\/page\/fragment\/incidents\/inc-7f3a"/);
});

test('kill control: only where remediation is enabled and the route exists, only while open', () => {
  const inc = sampleIncident();
  const off = renderIncidentPage({ status: sampleStatus({ killAvailable: false }), incident: inc });
  assert.doesNotMatch(off, /kill-form/);
  const on = renderIncidentPage({
    status: sampleStatus({ killAvailable: true, remediationMode: 'kill' }),
    incident: inc,
  });
  assert.match(on, /<form class="kill-form" hidden method="post" action="\/api\/v1\/incidents\/inc-7f3a\/kill"/);
  assert.match(on, /type="password"/);
  assert.match(on, /data-confirm/);
  const resolved = renderIncidentPage({
    status: sampleStatus({ killAvailable: true }),
    incident: sampleIncident({ state: 'resolved' }),
  });
  assert.doesNotMatch(resolved, /kill-form/);
});

test('kill panel sits outside the refreshed region', () => {
  const doc = renderIncidentPage({
    status: sampleStatus({ killAvailable: true, remediationMode: 'kill' }),
    incident: sampleIncident(),
  });
  assert.ok(doc.indexOf('</main>') < doc.indexOf('class="card kill"'));
});

test('the fragment is the same markup as the page body', () => {
  const data = sampleOverview();
  assert.ok(renderOverviewPage(data).includes(renderOverviewFragment(data).value));
});

test('no incidents: says so', () => {
  const doc = renderOverviewPage(sampleOverview({ openIncidents: [], children: [] }));
  assert.match(doc, /No hung children\./);
});

test('scan status: late scans and errors are shown', () => {
  const status = sampleStatus({
    lastSuccessfulScanAt: NOW - 120_000,
    scanErrors: [{ at: NOW - 1000, stage: 'capture', message: 'eu-stack: ptrace denied' }],
  });
  const doc = renderOverviewPage(sampleOverview({ status }));
  assert.match(doc, /scans are late/);
  assert.match(doc, /1 recent scan error/);
  assert.match(doc, /eu-stack: ptrace denied/);
});

test('formatDuration', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(59_999), '59s');
  assert.equal(formatDuration(61_000), '1m 1s');
  assert.equal(formatDuration(3_600_000 * 3 + 60_000), '3h 1m');
  assert.equal(formatDuration(86_400_000 * 3), '3d 0h');
  assert.equal(formatDuration(-1), '—');
});
