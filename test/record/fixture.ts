/** Shared builders for the record tests: temp state dirs, observations, confirmations. */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openStore,
  type Confirmation,
  type IncidentStore,
  type OpenStoreOptions,
  type SuspectObservation,
} from '../../src/record/index.js';

export const HOST = 'ci-host';
export const SINKS = ['slack', 'alertmanager'];

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'forkwatch-record-'));
  t.after(() => removeTree(dir));
  return dir;
}

/** Tests make directories read-only: make them writable again so a non-root run can delete them. */
function removeTree(dir: string): void {
  try {
    chmodSync(dir, 0o700);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(`${dir}/${e.name}`);
  } catch {
    // already gone, or a symlink target we do not own
  }
  rmSync(dir, { recursive: true, force: true });
}

/** A store in a fresh temp dir with a controllable clock (clock.t). */
export function tempStore(
  t: { after: (fn: () => void) => void },
  opts: Partial<OpenStoreOptions> = {},
): { store: IncidentStore; dir: string; clock: { t: number } } {
  const dir = opts.stateDir ?? tempDir(t);
  const clock = { t: 1_700_000_000_000 };
  const store = openStore({ stateDir: dir, host: HOST, sinks: SINKS, now: () => clock.t, ...opts });
  t.after(() => store.close());
  return { store, dir, clock };
}

export function suspect(
  childPid: number,
  childStartMs = 1_699_999_000_000 + childPid,
  over: Partial<SuspectObservation> = {},
): SuspectObservation {
  return {
    targetName: 'jenkins',
    targetPid: 4242,
    targetStartMs: 1_699_990_000_000,
    targetUser: 'jenkins',
    childPid,
    childStartMs,
    overdueSince: childStartMs + 30_000,
    ...over,
  };
}

export function keyOf(s: SuspectObservation, host = HOST): string {
  return `${host}/${s.targetPid}@${s.targetStartMs}/${s.childPid}@${s.childStartMs}`;
}

export const CONFIRM: Confirmation = {
  signatureId: 'illumos-1667-pkcs11-atfork',
  signatureTitle: 'fork() child blocked in a pthread_atfork handler',
  signatureVersion: '1',
  severity: 'critical',
  fingerprint: 'fp-0123',
  forkingThread: { tid: 4300, name: 'SCM polling f', wchan: 'pipe_read', jenkinsJob: 'demo-job' },
  jenkinsJob: 'demo-job',
};
