/** Fakes for the daemon's stages (scan, evidence, match) beside a REAL incident store in a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildReport, ScanReport } from '../../src/classify/types.js';
import type { CaptureSuspectOptions, SuspectEvidence, Suspect } from '../../src/capture/capturer.js';
import type { CaptureResult, ParsedStack, Thread } from '../../src/capture/types.js';
import type { MatchResult, Signature } from '../../src/match/types.js';
import type { ProcessInfo } from '../../src/scan/types.js';
import { resolveConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/config.js';
import { openStore } from '../../src/record/index.js';
import type { IncidentStore } from '../../src/record/types.js';
import { silentLogger } from '../../src/util/logger.js';
import type { EvidencePort, ScannerPort } from '../../src/stages/ports.js';
import type { MatchPort } from '../../src/match/port.js';

export const HOST = 'testhost';
export const TARGET_START = 1_700_000_000_000;

export function proc(pid: number, over: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid,
    startTimeMs: TARGET_START + pid,
    ppid: 1,
    stateCode: 'S',
    state: 'sleeping',
    threads: 1,
    uid: 1000,
    comm: 'java',
    cmdline: Buffer.from('java\0-jar\0jenkins.war\0'),
    cmdlineTruncated: false,
    exe: '/usr/bin/java',
    exeDeleted: false,
    exeDev: 1,
    exeIno: 2,
    cpuTimeMs: 0,
    ...over,
  };
}

export function child(
  pid: number,
  cls: ChildReport['classification'] = 'never-execed',
  overdue = true,
  targetPid = 100,
): ChildReport {
  const p = proc(pid, { ppid: targetPid, comm: 'SCM polling f' });
  return {
    target: { name: 'jenkins', pid: targetPid, startTimeMs: TARGET_START + targetPid },
    child: p,
    depth: 1,
    classification: cls,
    ageMs: 120_000,
    overdue,
    overdueSince: overdue ? p.startTimeMs + 60_000 : null,
  };
}

export function report(children: ChildReport[], at = Date.now()): ScanReport {
  return {
    at,
    host: HOST,
    targets: [{ name: 'jenkins', process: proc(100, { threads: 40 }), user: 'jenkins' }],
    missingTargets: [],
    children,
    stats: {
      source: 'procfs',
      processesRead: children.length + 1,
      vanished: 0,
      permissionDenied: 0,
      malformed: 0,
      durationMs: 1,
    },
    warnings: [],
  };
}

/** A scanner returning whatever the test puts in `next` (or throwing `error`). */
export function fakeScanner(
  initial: ScanReport,
): ScannerPort & { next: ScanReport; error: Error | null; calls: number } {
  const s = {
    next: initial,
    error: null as Error | null,
    calls: 0,
    async scan() {
      s.calls++;
      if (s.error) throw s.error;
      return { ...s.next, at: Date.now() };
    },
  };
  return s;
}

export const DEADLOCK_FRAMES = [
  '__lll_lock_wait',
  'pthread_mutex_lock',
  'take_held_lock_in_child',
  'atfork_child_handler',
  'fork',
];

export function stack(frames: string[]): ParsedStack {
  const threads: Thread[] = [
    {
      tid: 1,
      name: null,
      frames: frames.map((fn) => ({ fn, normalized: fn, module: null, offset: null, address: null })),
    },
  ];
  return { format: 'eu-stack', pid: 1, threads, warnings: [], raw: frames.map((f, i) => `#${i} 0x0 ${f}`).join('\n') };
}

export function captureOf(s: Suspect, frames: string[] | null): CaptureResult {
  const st = frames ? stack(frames) : null;
  return {
    backend: 'eu-stack',
    pid: s.pid,
    startTimeMs: s.startTimeMs,
    ok: st !== null,
    failed: st === null,
    timedOut: false,
    outcome: st ? 'ok' : 'failed',
    reason: st ? null : 'eu-stack failed',
    durationMs: 7,
    stack: st,
    raw: st?.raw ?? '',
  };
}

/** Evidence: the stack each pid "has" (null: capture fails), blocked verdict per pid. */
export function fakeEvidence(
  stacks: Map<number, string[] | null>,
  blocked = new Set<number>(),
): EvidencePort & {
  calls: Suspect[];
  opts: (CaptureSuspectOptions | undefined)[];
  captured: Set<string>;
  /** Pids whose samples show them moving: not captured when the caller asks skipIfProgressed. */
  progressed: Set<number>;
  error: Error | null;
} {
  const e = {
    calls: [] as Suspect[],
    opts: [] as (CaptureSuspectOptions | undefined)[],
    captured: new Set<string>(),
    progressed: new Set<number>(),
    error: null as Error | null,
    async captureSuspect(s: Suspect, o?: CaptureSuspectOptions): Promise<SuspectEvidence> {
      e.calls.push(s);
      e.opts.push(o);
      if (e.error) throw e.error;
      const key = `${s.pid}:${s.startTimeMs}`;
      const moved = e.progressed.has(s.pid) ? 'CPU time changed: 420 → 970 ms over 1000 ms' : null;
      const fresh = !e.captured.has(key) && !(moved && o?.skipIfProgressed);
      if (fresh) e.captured.add(key);
      const isBlocked = blocked.has(s.pid);
      return {
        pid: s.pid,
        startTimeMs: s.startTimeMs,
        gone: false,
        kernel: {
          at: Date.now(),
          pid: s.pid,
          state: 'S',
          threads: 1,
          wchan: 'futex_do_wait',
          syscall: '202 0x1 0x80 0x2 0x0 0x0 0x0 0x7ff 0x7ff',
          syscallNr: 202,
          futexWaitPrivate: true,
          voluntaryCtxtSwitches: 3,
          nonvoluntaryCtxtSwitches: 1,
          cpuTimeMs: 0,
        },
        blocked: {
          blocked: isBlocked,
          reasons: [isBlocked ? 'unchanged over 2 samples' : '1 sample(s): at least 2 needed'],
        },
        capture: fresh ? captureOf(s, stacks.get(s.pid) ?? null) : null,
        freshCapture: fresh,
        progressed: moved,
        forkingThread: { tid: s.ppid + 1, name: 'SCM polling f', wchan: 'pipe_read', jenkinsJob: null },
      };
    },
    retain() {},
  };
  return e;
}

export const SIGNATURE: Signature = {
  id: 'atfork-mutex',
  title: 'pthread_atfork child handler blocks on a mutex held at fork',
  description: 'test signature',
  severity: 'critical',
  references: [{ title: 'illumos #1667', url: 'https://www.illumos.org/issues/1667' }],
  rules: [{ frames: [{ fn: 'pthread_mutex_lock' }, { fn: 'fork' }] }],
  version: '1',
  source: 'test',
};

/** Matches when both pthread_mutex_lock and fork are on thread 0. */
export function fakeMatcher(): MatchPort {
  return {
    signatures: () => [SIGNATURE],
    parse: (text) => {
      const frames = text
        .split('\n')
        .map((l) => /^#\d+\s+0x[0-9a-f]+\s+(\S+)/.exec(l)?.[1])
        .filter((x): x is string => Boolean(x));
      const st = stack(frames);
      return {
        ...st,
        raw: text,
        warnings: frames.length === 0 ? ['stack format not recognised'] : [],
        format: frames.length ? 'eu-stack' : 'unknown',
        threads: frames.length ? st.threads : [],
      };
    },
    waits: (threads) => threads.map((_, thread) => ({ thread, kind: 'other', frame: null, name: null })),
    match: (threads): MatchResult => {
      const names = threads[0]?.frames.map((f) => f.normalized) ?? [];
      const hit = names.includes('pthread_mutex_lock') && names.includes('fork');
      return {
        matches: hit
          ? [
              {
                signatureId: SIGNATURE.id,
                title: SIGNATURE.title,
                severity: 'critical',
                version: '1',
                source: 'test',
                generic: false,
                rule: 'rule 1',
                threadIndex: 0,
                tid: 1,
                frameIndexes: [1, 4],
                frames: ['pthread_mutex_lock', 'fork'],
              },
            ]
          : [],
        fingerprint: names.slice(0, 3).join('|'),
        deadlock: hit,
      };
    },
  };
}

export function testConfig(over: Record<string, unknown> = {}): Config {
  return resolveConfig(
    { interval: '1s', hungAfter: '1s', targets: [{ name: 'jenkins', cmdline: 'jenkins' }], ...over },
    'test',
  );
}

export function tempStore(sinks: string[] = []): { store: IncidentStore; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-test-'));
  const store = openStore({ stateDir: dir, host: HOST, sinks, logger: silentLogger() });
  return {
    store,
    dir,
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
