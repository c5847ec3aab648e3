/**
 * What the demo prints for each stage, from plain data the daemon gave (its
 * log records and its API's incident): pure functions, no I/O.
 */
import type { KernelEvidence } from '../capture/types.js';
import type { Incident } from '../record/types.js';

export const STAGES = [
  'found the target',
  'child overdue',
  'kernel proof',
  'stack captured',
  'signature matched',
  'Slack message',
] as const;
export type StageName = (typeof STAGES)[number];

export function stageLine(stage: StageName, detail: string): string {
  return `[${STAGES.indexOf(stage) + 1}/${STAGES.length}] ${stage}: ${detail}\n`;
}

export interface TargetView {
  name: string;
  found: boolean;
  processes: { pid: number; user: string | null; threads: number; cmdline: string }[];
}

export function showTarget(t: TargetView): string {
  const p = t.processes[0]!;
  return stageLine(
    'found the target',
    `"${t.name}" pid ${p.pid} (user ${p.user ?? '?'}, ${p.threads} threads): ${p.cmdline}`,
  );
}

export function showOverdue(i: Incident, hungAfterMs: number): string {
  const c = i.evidence.child;
  const image = c
    ? `still the parent's image (${c.exe ?? c.cmdline}), ${c.threads} thread, state ${c.stateCode}`
    : "never exec'd";
  return stageLine(
    'child overdue',
    `child ${i.childPid} of pid ${i.targetPid} never exec'd within hungAfter ${hungAfterMs / 1000} s: ${image}`,
  );
}

export function showKernel(samples: readonly KernelEvidence[]): string | null {
  const k = samples[samples.length - 1];
  if (!k) return null;
  const futex = k.futexWaitPrivate ? 'FUTEX_WAIT_PRIVATE with no timeout' : 'a futex wait';
  const cpu =
    samples.length > 1
      ? `, CPU ${samples[0]!.cpuTimeMs ?? '?'} → ${k.cpuTimeMs ?? '?'} ms over ${samples.length} samples`
      : '';
  const syscall = k.syscallNr === null ? 'syscall unreadable' : `blocked in syscall ${k.syscallNr}`;
  return stageLine(
    'kernel proof',
    `state ${k.state}, ${k.threads} thread, wchan ${k.wchan ?? '?'}, ${syscall} (${futex})${cpu}`,
  );
}

export function showCapture(rec: Record<string, unknown>, i: Incident): string {
  const frames = (i.evidence.stack?.threads[0]?.frames ?? []).slice(0, 6).map((f) => `      ${f.fn ?? '??'}`);
  const head = `${String(rec.backend)} in ${String(rec.durationMs)} ms (${String(rec.outcome)})`;
  return stageLine('stack captured', head) + (frames.length ? `${frames.join('\n')}\n` : '');
}

export function showSignature(i: Incident): string {
  const m = i.evidence.matches?.find((x) => x.signatureId === i.signatureId) ?? i.evidence.matches?.[0];
  if (!m)
    return stageLine('signature matched', `none; confirmed as ${i.signatureId ?? 'unknown'} (kernel proof alone)`);
  return stageLine(
    'signature matched',
    `${m.signatureId} (${m.severity}): ${m.title}\n      matched frames: ${m.frames.join(' → ')}`,
  );
}

/** The audit's warning (src/audit/daemon/message.ts) starts with these words. */
export function isForkRiskWarning(text: string): boolean {
  return text.startsWith('Warning (not a page): fork risk');
}

export function showForkRiskWarning(text: string): string {
  return `fork-risk audit, before any child hung (a warning, never a page): ${text.replace(/^Warning \(not a page\): /, '')}\n`;
}

export function showSlack(text: string): string {
  return (
    stageLine('Slack message', "as it would be sent (to the demo's local stand-in, nothing left this machine):") +
    text
      .split('\n')
      .map((l) => `    | ${l}`)
      .join('\n') +
    '\n'
  );
}
