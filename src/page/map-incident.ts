/**
 * An incident as the API returns it (record/types.ts Incident, JSON) → the
 * page's PageIncident. Total: unknown or missing fields become null.
 */
import { arr, ms, num, obj, pick, str, type Json } from './json.js';
import type { PageAudit, PageEvidence, PageFrame, PageIncident, PageThread } from './model.js';

export function mapIncident(body: unknown): PageIncident | null {
  const o = obj(body);
  const id = str(pick(o, 'id'));
  if (!o || id === null) return null;
  const evidence = obj(o.evidence);
  const childFacts = obj(evidence?.child);
  const signatureId = str(pick(o, 'signatureId', 'signature'));
  return {
    id,
    state: str(o.state) ?? 'unknown',
    host: str(o.host),
    target: {
      name: str(pick(o, 'targetName', 'target')) ?? '?',
      pid: num(o.targetPid),
      startTimeMs: ms(pick(o, 'targetStartMs')),
    },
    child: {
      pid: num(o.childPid) ?? num(childFacts?.pid) ?? 0,
      startTimeMs: ms(pick(o, 'childStartMs')) ?? ms(childFacts?.startTimeMs),
      comm: str(childFacts?.comm),
      cmdline: str(childFacts?.cmdline),
    },
    signature:
      signatureId === null
        ? null
        : {
            id: signatureId,
            title: str(o.signatureTitle),
            severity: str(o.severity),
            version: str(o.signatureVersion),
          },
    fingerprint: str(o.fingerprint),
    jenkinsJob: str(o.jenkinsJob) ?? str(obj(o.forkingThread)?.jenkinsJob),
    forkingThread: mapForkingThread(o.forkingThread),
    openedAt: ms(o.openedAt),
    confirmedAt: ms(o.confirmedAt),
    remediatedAt: ms(o.remediatedAt),
    resolvedAt: ms(o.resolvedAt),
    lastSeenAt: ms(o.lastSeenAt),
    evidence: evidence ? mapEvidence(evidence) : null,
    audit: arr(o.audit)
      .map(mapAudit)
      .filter((a): a is PageAudit => a !== null),
  };
}

function mapForkingThread(v: unknown): PageIncident['forkingThread'] {
  const t = obj(v);
  if (!t) return null;
  return { tid: num(t.tid), name: str(t.name), javaName: str(t.javaName) };
}

function mapAudit(v: unknown): PageAudit | null {
  const a = obj(v);
  if (!a) return null;
  return {
    at: ms(a.at),
    action: str(a.action) ?? '?',
    outcome: str(a.outcome),
    detail: str(a.detail),
    actor: str(a.actor) ?? str(a.mode),
  };
}

function mapFrame(v: unknown): PageFrame {
  const f = obj(v);
  return {
    fn: str(f?.fn),
    module: str(f?.module),
    offset: num(f?.offset),
    address: str(f?.address),
    source: str(f?.source),
  };
}

function mapThread(v: unknown): PageThread {
  const t = obj(v);
  return { tid: num(t?.tid), name: str(t?.name), frames: arr(t?.frames).map(mapFrame) };
}

/** All matches' frames, merged per thread (several signatures may mark the same stack). */
function mapMatched(matches: unknown): PageEvidence['matched'] {
  const byThread = new Map<number, Set<number>>();
  for (const m of arr(matches)) {
    const match = obj(m);
    const threadIndex = num(match?.threadIndex);
    if (threadIndex === null) continue;
    const set = byThread.get(threadIndex) ?? new Set<number>();
    for (const i of arr(match?.frameIndexes)) if (typeof i === 'number') set.add(i);
    byThread.set(threadIndex, set);
  }
  return [...byThread].map(([threadIndex, set]) => ({ threadIndex, frameIndexes: [...set].sort((a, b) => a - b) }));
}

function mapEvidence(e: Json): PageEvidence {
  const capture = obj(e.capture);
  const reason =
    capture && capture.ok === false ? (str(capture.reason) ?? (capture.timedOut ? 'timed out' : 'failed')) : null;
  return {
    rawStack: str(pick(e, 'stackRaw', 'rawStack')),
    captureBackend: str(capture?.backend),
    captureError: reason,
    threads: arr(obj(e.stack)?.threads).map(mapThread),
    matched: mapMatched(e.matches),
    kernel: mapKernel(e.kernel),
  };
}

/** The newest kernel sample as label/value pairs, plus how many samples agree. */
function mapKernel(v: unknown): PageEvidence['kernel'] {
  const samples = arr(v)
    .map(obj)
    .filter((s): s is Json => s !== null);
  const last = samples[samples.length - 1];
  if (!last) return [];
  const out: PageEvidence['kernel'] = [];
  const add = (label: string, value: unknown) => {
    const s = typeof value === 'boolean' ? (value ? 'yes' : 'no') : str(value);
    if (s !== null) out.push({ label, value: s });
  };
  add('state', last.state);
  add('threads', last.threads);
  add('wchan', last.wchan);
  add('syscall', last.syscall);
  add('FUTEX_WAIT_PRIVATE', last.futexWaitPrivate);
  add('voluntary context switches', last.voluntaryCtxtSwitches);
  add('involuntary context switches', last.nonvoluntaryCtxtSwitches);
  add('CPU time (ms)', last.cpuTimeMs);
  const first = samples[0];
  const span = first && ms(first.at) !== null && ms(last.at) !== null ? (ms(last.at) ?? 0) - (ms(first.at) ?? 0) : null;
  add('samples', `${samples.length}${span !== null && samples.length > 1 ? ` over ${Math.round(span / 1000)}s` : ''}`);
  return out;
}
