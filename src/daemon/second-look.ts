/**
 * The tick's second look at lingering children (src/stages/second-look.ts):
 * never exec'd, older than hungAfter, not overdue. Each is looked at once
 * (its identity is remembered while it lives), at most MAX_SECOND_LOOKS per
 * tick, oldest first; a confirmed child is not looked at again. The looks
 * are returned: the tick takes those whose stack named a deadlock on as
 * suspects, with this evidence. Counted (forkwatch_second_looks_total,
 * and their captures in forkwatch_captures_total) and logged.
 */
import { identityOf } from '../classify/classify.js';
import { lingeringChildren } from '../classify/suspects.js';
import type { ScanReport } from '../classify/types.js';
import { childKey } from '../record/key.js';
import { outcomeOf, takeSecondLooks, type SecondLook } from '../stages/second-look.js';
import type { StageRunner } from './stage-runner.js';
import type { TickDeps, TickMemory } from './tick-deps.js';
import { countCaptures } from './tick-metrics.js';

export async function lookAtLingering(
  deps: TickDeps,
  mem: TickMemory,
  report: ScanReport,
  confirmed: ReadonlySet<string>,
  stages: StageRunner,
): Promise<SecondLook[]> {
  const present = new Set(report.children.map((c) => identityOf(c.child)));
  for (const id of mem.looked) if (!present.has(id)) mem.looked.delete(id);
  const { evidence, matcher } = deps;
  if (!deps.secondLook || !evidence || !matcher) return [];
  const host = deps.store.host;
  const lingering = lingeringChildren(
    report,
    (c) => mem.looked.has(identityOf(c.child)) || confirmed.has(childKey(host, c)),
  );
  if (lingering.length === 0) return [];
  const looks = (await stages.run('capture', () => takeSecondLooks(evidence, matcher, lingering, deps.signal))) ?? [];
  for (const look of looks) {
    const outcome = outcomeOf(look);
    deps.metrics.secondLooks.inc({ outcome });
    if (look.evidence.freshCapture && look.evidence.capture) countCaptures(deps.metrics, [look.evidence.capture]);
    deps.logger.info(
      {
        target: look.child.target.name,
        childPid: look.child.child.pid,
        childStartTime: new Date(look.child.child.startTimeMs).toISOString(),
        activity: look.child.activity,
        outcome,
        signature: look.verdict?.signatureId ?? null,
      },
      "second look at a lingering never-exec'd child",
    );
    // Named: it becomes a suspect, confirmed this tick (then skipped as confirmed), or looked at again if its incident could not be stored.
    if (outcome !== 'named') mem.looked.add(identityOf(look.child.child));
  }
  return looks;
}
