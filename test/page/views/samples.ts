/** Page data for render tests: a realistic incident and hostile strings to put anywhere. */
import type { OverviewData, PageIncident, PageStatus } from '../../../src/page/model.js';

export const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

/** Strings a hung child's argv, a thread name or a stack line could carry. */
export const HOSTILE: Record<string, string> = {
  script: '<script>alert(1)</script>',
  imgAttr: '"><img src=x onerror=alert(1)>',
  singleQuote: "'; alert(1); x='",
  textarea: '</textarea><script>alert(2)</script>',
  pre: '</pre></code><b id="injected">bold</b>',
  rlo: 'invoice\u202Etxt.exe',
  controls: 'a\u0000b\u0007c\u001b[31md\u0085e',
  zeroWidth: 'pass\u200Bword\uFEFF',
  lineSep: 'one\u2028two',
  loneSurrogate: 'x\uD800y',
  entity: '&lt;script&gt; &amp;',
  jsUrl: 'javascript:alert(1)',
  backtick: '`${alert(1)}`',
  longLine: 'A'.repeat(100_000),
};

export function sampleStatus(over: Partial<PageStatus> = {}): PageStatus {
  return {
    now: NOW,
    host: 'build-01',
    version: '0.1.0',
    lastScanAt: NOW - 4000,
    lastSuccessfulScanAt: NOW - 4000,
    intervalMs: 15000,
    scanErrors: [],
    remediationMode: 'off',
    killAvailable: false,
    problems: [],
    ...over,
  };
}

export function sampleIncident(over: Partial<PageIncident> = {}): PageIncident {
  return {
    id: 'inc-7f3a',
    state: 'confirmed',
    host: 'build-01',
    target: { name: 'jenkins', pid: 4242, startTimeMs: NOW - 86_400_000 },
    child: { pid: 5151, startTimeMs: NOW - 600_000, comm: 'SCM polling f', cmdline: 'java -jar jenkins.war' },
    signature: {
      id: 'glibc-atfork-mutex',
      title: 'atfork child handler blocks on a mutex',
      severity: 'critical',
      version: '1',
    },
    fingerprint: 'f00dfeed',
    jenkinsJob: 'demo-job',
    forkingThread: { tid: 4300, name: 'SCM polling f', javaName: 'SCM polling for demo-job' },
    openedAt: NOW - 540_000,
    confirmedAt: NOW - 525_000,
    remediatedAt: null,
    resolvedAt: null,
    lastSeenAt: NOW - 4000,
    evidence: {
      rawStack: 'PID 5151 - process\nTID 5151:\n#0  0x00007f futex_wait\n#1  0x00007f __pthread_mutex_lock\n',
      captureBackend: 'eu-stack',
      captureError: null,
      threads: [
        {
          tid: 5151,
          name: null,
          frames: [
            { fn: 'futex_wait', module: 'libc.so.6', offset: 0x30, address: '0x00007f0000001000', source: null },
            {
              fn: '__pthread_mutex_lock',
              module: 'libc.so.6',
              offset: null,
              address: '0x00007f0000002000',
              source: null,
            },
            {
              fn: 'take_held_lock_in_child',
              module: 'deadlocker',
              offset: 0x10,
              address: '0x0000555500001000',
              source: 'deadlocker.c:38',
            },
            { fn: 'atfork_child_handler', module: 'deadlocker', offset: null, address: null, source: null },
            { fn: '__libc_fork', module: 'libc.so.6', offset: null, address: null, source: null },
          ],
        },
      ],
      matched: [{ threadIndex: 0, frameIndexes: [1, 3, 4] }],
      kernel: [
        { label: 'wchan', value: 'futex_do_wait' },
        { label: 'syscall', value: '202 0x5555 0x80 0x2' },
      ],
    },
    audit: [],
    ...over,
  };
}

export function sampleOverview(over: Partial<OverviewData> = {}): OverviewData {
  const open = sampleIncident();
  return {
    status: sampleStatus(),
    targets: [
      {
        name: 'jenkins',
        pid: 4242,
        startTimeMs: NOW - 86_400_000,
        up: true,
        user: 'jenkins',
        cmdline: 'java -jar jenkins.war',
        processes: null,
      },
      { name: 'agent', pid: null, startTimeMs: null, up: false, user: null, cmdline: null, processes: null },
    ],
    children: [
      { ...childRow(5151, 'never-execed', true, open.id), incidentState: 'confirmed' },
      childRow(5152, 'execed', false, null, 'sleep 100000'),
      childRow(5153, 'never-execed', true, null),
      childRow(5154, 'zombie', false, null, ''),
    ],
    openIncidents: [open],
    resolvedIncidents: [
      sampleIncident({ id: 'inc-old', state: 'resolved', resolvedAt: NOW - 3_600_000, openedAt: NOW - 7_200_000 }),
    ],
    ...over,
  };
}

function childRow(
  pid: number,
  classification: string,
  overdue: boolean,
  incidentId: string | null,
  cmdline = 'java -jar jenkins.war',
) {
  return {
    target: 'jenkins',
    targetPid: 4242,
    pid,
    startTimeMs: NOW - 600_000,
    classification,
    ageMs: 600_000,
    overdue,
    state: classification === 'zombie' ? 'zombie' : 'sleeping',
    comm: 'launcher-0',
    cmdline,
    depth: 1,
    incidentId,
  };
}
