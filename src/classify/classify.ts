/**
 * The rule, pure: a descendant of a target is
 *   zombie        when it has exited and not been reaped;
 *   never-execed  when it still has the target's image (image.ts);
 *   execed        otherwise — never flagged, however old.
 * A never-exec'd child is overdue when it is older than hungAfter AND nothing
 * shows it doing its own work: it is in a lock wait, or we cannot see what it
 * waits on (ps). Running, CPU-progressing, or sleeping in a timer / accept() /
 * poll() children are reported never-exec'd with their real state, not overdue.
 */
import type { Descendant } from '../scan/tree.js';
import type { ChildClass, ChildReport, ScanReport, TargetProcess } from './types.js';
import { activityOf, mayBeDeadlocked, type ChildActivity } from './activity.js';
import { sameImage } from './image.js';
import type { ChildTracker } from './tracker.js';

export interface ClassifyOptions {
  hungAfterMs: number;
  nowMs: number;
  /** ps on illumos/Solaris: fname is the image name, compare it. */
  compareComm?: boolean;
  /** CPU time seen last scan, per identity (stateful scanners only). */
  tracker?: ChildTracker;
}

export function classifyChild(target: TargetProcess, d: Descendant, opts: ClassifyOptions): ChildReport {
  const child = d.info;
  const classification: ChildClass =
    child.state === 'zombie' ? 'zombie' : sameImage(target.process, child, opts) ? 'never-execed' : 'execed';
  const ageMs = Math.max(0, opts.nowMs - child.startTimeMs);
  const activity = activityOf(child, opts.tracker?.previous(child)?.cpuTimeMs);
  const old = ageMs > opts.hungAfterMs;
  const overdue = classification === 'never-execed' && old && mayBeDeadlocked(activity);
  return {
    target: { name: target.name, pid: target.process.pid, startTimeMs: target.process.startTimeMs },
    child,
    depth: d.depth,
    classification,
    ageMs,
    overdue,
    overdueSince: overdue ? child.startTimeMs + opts.hungAfterMs : null,
    activity,
    reason: explain(classification, activity, old, child.wchan ?? null),
  };
}

/**
 * The same child, seen progressing after the scan (by the kernel samples a
 * one-shot scan takes of its suspects): what the next scan would say.
 */
export function asProgressing(r: ChildReport, why: string): ChildReport {
  if (!r.overdue) return r;
  const reason = explain(r.classification, 'progressing', true, r.child.wchan ?? null, `between its samples (${why})`);
  return { ...r, activity: 'progressing', overdue: false, overdueSince: null, reason };
}

/** One child process for its lifetime: its pid and start time (a reused pid is another child). */
export function identityOf(c: { pid: number; startTimeMs: number }): string {
  return `${c.pid}:${c.startTimeMs}`;
}

/**
 * The report as the next scan would give it: each overdue child that its
 * kernel samples showed using CPU (`progressed`, by pid and start time; the
 * reason as the samples give it) is progressing, not overdue. One read of
 * /proc makes the overdue list; a busy child caught between the runqueue and
 * sleep has no wait channel in it. `forkwatch scan` and the daemon both
 * settle their report this way before they show it.
 */
export function settleProgressed(
  report: ScanReport,
  progressed: Iterable<{ pid: number; startTimeMs: number; progressed: string | null }>,
): ScanReport {
  const moved = new Map<string, string>();
  for (const p of progressed) if (p.progressed) moved.set(identityOf(p), p.progressed);
  if (moved.size === 0) return report;
  return {
    ...report,
    children: report.children.map((c) => {
      const why = moved.get(identityOf(c.child));
      return why ? asProgressing(c, why) : c;
    }),
  };
}

/**
 * A lingering child (never exec'd, old, not overdue: running or waiting on
 * something of its own) whose one stack, taken at a second look, names a
 * deadlock: it is overdue after all, since it became old (the daemon opens
 * and confirms its incident, `forkwatch scan` exits 2). `named`: identity →
 * the signature that named it.
 */
export function settleNamedByStack(report: ScanReport, named: ReadonlyMap<string, string>): ScanReport {
  if (named.size === 0) return report;
  return {
    ...report,
    children: report.children.map((c) => {
      const signature = named.get(identityOf(c.child));
      if (!signature || c.overdue || c.classification !== 'never-execed') return c;
      const since = c.child.startTimeMs + (report.hungAfterMs ?? c.ageMs);
      return { ...c, overdue: true, overdueSince: since, reason: `${c.reason}; its stack names ${signature}: overdue` };
    }),
  };
}

function explain(
  c: ChildClass,
  a: ChildActivity,
  old: boolean,
  wchan: string | null,
  when = 'since the last scan',
): string {
  if (c === 'zombie') return 'exited, not yet reaped by its parent';
  if (c === 'execed') return 'ran exec(): another program';
  const doing: Record<ChildActivity, string> = {
    'lock-wait': `blocked in a lock wait (${wchan})`,
    'blocked-other': `blocked in ${wchan}: waiting for its own work`,
    running: 'running',
    progressing: `used CPU ${when}`,
    unknown: 'wait channel unknown',
    zombie: 'exited',
  };
  const head = `never exec'd, ${doing[a]}`;
  if (!old) return `${head}; younger than hungAfter`;
  return mayBeDeadlocked(a) ? `${head}; older than hungAfter: overdue` : `${head}; not overdue`;
}

/** Classify every descendant of every target, recording them in the tracker afterwards. */
export function classifyDescendants(
  walks: { target: TargetProcess; descendants: Descendant[] }[],
  opts: ClassifyOptions,
): ChildReport[] {
  const reports = walks.flatMap((w) => w.descendants.map((d) => classifyChild(w.target, d, opts)));
  if (opts.tracker) {
    for (const r of reports) opts.tracker.observe(r.child, opts.nowMs);
    opts.tracker.commit();
  }
  return reports;
}
