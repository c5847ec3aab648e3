/**
 * The bundle extension's metric, registered on the daemon's registry by the
 * extension (DaemonExtension.registerMetrics):
 *   forkwatch_hung_children_by_forking_thread{target,forking_thread}  confirmed hung children by the kind of JVM
 *   thread that forked them (scm_polling, other, unidentified: bounded, never the job or thread name;
 *   stuck-thread.ts), rebuilt after every tick
 */
import type { Gauge, Registry } from 'prom-client';
import { gaugeOn } from '../extension/metrics.js';

export interface BundleMetrics {
  hungChildrenByForkingThread: Gauge<'target' | 'forking_thread'>;
}

export function bundleMetrics(registry: Registry): BundleMetrics {
  return {
    hungChildrenByForkingThread: gaugeOn(registry, {
      name: 'forkwatch_hung_children_by_forking_thread',
      help: 'Confirmed hung children by the JVM thread that forked them: scm_polling (a Jenkins SCM poller), other, unidentified. The API names the thread and job.',
      labelNames: ['target', 'forking_thread'],
    }),
  };
}
