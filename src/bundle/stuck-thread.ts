/**
 * Which kind of JVM thread is stuck, as a bounded metric label: the job and
 * thread names are unbounded (one per Jenkins job), so /metrics says only
 * whether the forker was an SCM poller; the API and Slack name it.
 */
import type { BundleMetrics } from './metrics.js';
import type { ForkingThread } from '../capture/types.js';
import type { IncidentStore } from '../record/types.js';

export type ForkingThreadLabel = 'scm_polling' | 'other' | 'unidentified';

/** comm is the Java name cut to 15 bytes: "SCM polling for" identifies a poller even without a thread dump. */
export function forkingThreadLabel(ft: Pick<ForkingThread, 'name' | 'javaName'> | null): ForkingThreadLabel {
  if (!ft) return 'unidentified';
  return (ft.javaName ?? ft.name).startsWith('SCM polling for') ? 'scm_polling' : 'other';
}

/** forkwatch_hung_children_by_forking_thread from the confirmed open incidents (what forkwatch_hung_children counts). */
export function updateForkingThreadMetric(m: BundleMetrics, store: IncidentStore): void {
  const counts = new Map<string, { target: string; forking_thread: ForkingThreadLabel; n: number }>();
  for (const i of store.openIncidents()) {
    if (i.state !== 'confirmed') continue;
    const label = forkingThreadLabel(i.forkingThread);
    const key = `${i.targetName}\0${label}`;
    const c = counts.get(key) ?? { target: i.targetName, forking_thread: label, n: 0 };
    c.n += 1;
    counts.set(key, c);
  }
  m.hungChildrenByForkingThread.reset();
  for (const c of counts.values())
    m.hungChildrenByForkingThread.set({ target: c.target, forking_thread: c.forking_thread }, c.n);
}
