/**
 * classify's reading of a dump no signature named a deadlock: what each
 * thread waits on (src/match/waits.ts), grouped by kind, and the one
 * sentence that says why that is not a verdict. Plain text; the JSON output
 * carries the same waits as data.
 */
import type { ThreadWait, WaitKind } from '../match/index.js';

const LABEL: Record<WaitKind, string> = {
  lock: 'lock wait',
  untimed: 'untimed condition, join or barrier wait',
  timed: 'timed wait',
  event: 'runtime parking or event wait',
  sleep: 'sleep',
  io: 'I/O, poll or signal wait',
  'child-process': 'waits for a child process',
  primitive: 'a bare futex or system-call wait (a lock or a condition alike)',
  other: 'running, or code the vocabulary does not know',
};
const ORDER: readonly WaitKind[] = [
  'lock',
  'untimed',
  'primitive',
  'event',
  'timed',
  'sleep',
  'io',
  'child-process',
  'other',
];
/** Threads listed one by one per kind, at most; more are counted. */
const LISTED = 4;

export function renderWaits(waits: readonly ThreadWait[], forkedChild: boolean): string[] {
  if (waits.length === 0) return [];
  const out = ['what the threads wait on (the vocabulary of docs/signatures.md):'];
  for (const kind of ORDER) {
    const of = waits.filter((w) => w.kind === kind);
    if (of.length === 0) continue;
    const listed = of.slice(0, LISTED).map(where).join(', ');
    out.push(`  ${LABEL[kind]}: ${of.length > LISTED ? `${of.length} threads: ${listed}, …` : listed}`);
  }
  const why = whyNotNamed(waits, forkedChild);
  if (why) out.push(`  ${why}`);
  return out;
}

function where(w: ThreadWait): string {
  return `thread ${w.thread}${w.frame !== null ? ` at #${w.frame} ${w.name}` : ''}`;
}

/** Why a lock or untimed wait the dump shows is not a deadlock verdict; null when there is none. */
function whyNotNamed(waits: readonly ThreadWait[], forkedChild: boolean): string | null {
  if (waits.some((w) => w.kind === 'lock')) {
    // as the matcher asks (noLiveReleaser): a thread in no lock or untimed wait may still run and release it
    if (waits.some((w) => w.kind !== 'lock' && w.kind !== 'untimed'))
      return 'a lock wait is named when no live thread of the dump can release it: here a thread is not waiting for another, so it may';
    if (!forkedChild)
      return "every thread waits for another: if the dump is of a forked child that never exec'd, say so with --forked-child";
    return null;
  }
  if (waits.length === 1 && waits[0]!.kind === 'untimed') {
    return 'only another thread of the process ends this wait: in a forked child (one thread) nothing would, but one pasted thread of a live process looks the same, so the stack alone is no verdict';
  }
  return null;
}
