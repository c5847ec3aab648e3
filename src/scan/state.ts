/** One-letter process state codes (Linux /proc, illumos/Solaris ps) to forkwatch's states. */
import type { ProcessState } from './types.js';

const STATES: Record<string, ProcessState> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk-sleep',
  T: 'stopped',
  t: 'traced',
  Z: 'zombie',
  X: 'dead',
  x: 'dead',
  I: 'idle',
  // illumos / Solaris ps
  O: 'running',
  W: 'running', // illumos: waiting under a CPU cap
};

export function mapState(code: string): ProcessState {
  return STATES[code] ?? 'unknown';
}
