/** Shared by the live JVM + real daemon tests (jvm-job, remediation): start both, poll the API. */
import { escapeRegex, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { startForkDeadlockJvm, type ForkDeadlockJvm } from '../helpers/jvm.js';
import type { Incident, IncidentSummary } from '../../src/record/types.js';

export const TOKEN = 'live-remediation-token-0123456789';

/** How long these tests wait (waitFor) for the daemon to act on the JVM's hung children. */
export const WAIT_MS = 90_000;

/** The stand-in Jenkins with its Jenkins-like thread names plus one unique to this test process (so the daemon watches only this JVM). */
export async function startJvm(marker: string): Promise<ForkDeadlockJvm> {
  return startForkDeadlockJvm({
    threadNames: ['SCM polling for demo-job', `SCM polling for ${marker}-${process.pid}`],
  });
}

export async function startDaemonFor(
  dir: string,
  jvm: ForkDeadlockJvm,
  config: Record<string, unknown>,
): Promise<DaemonProcess> {
  return startDaemonProcess(dir, {
    targets: [{ name: 'jenkins', cmdline: `ForkDeadlock ${jvm.threadNames.map(escapeRegex).join(' ')}$` }],
    hungAfter: '2s',
    interval: '1s',
    rediscoverInterval: '1s',
    capture: { order: ['eu-stack'] },
    threadDump: { enabled: true },
    auth: { token: TOKEN },
    ...config,
  });
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Full incidents (with evidence and audit) of the daemon, by child pid. */
export async function incidentsByChild(base: string): Promise<Map<number, Incident>> {
  const page = await getJson<{ items: IncidentSummary[] }>(`${base}/api/v1/incidents?limit=100`);
  const out = new Map<number, Incident>();
  for (const s of page.items) out.set(s.childPid, await getJson<Incident>(`${base}/api/v1/incidents/${s.id}`));
  return out;
}
