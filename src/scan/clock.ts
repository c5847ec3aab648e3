/** CLK_TCK, asked once of `getconf` (through runProgram); 100 when it cannot say. */
import { runProgram } from '../util/run-program.js';

export const DEFAULT_CLOCK_TICKS = 100;
let cached: Promise<number> | null = null;

export function parseClockTicks(text: string): number | null {
  const m = /^\s*(\d{1,6})\s*$/.exec(text);
  const n = m ? Number(m[1]) : 0;
  return n > 0 ? n : null;
}

export function getClockTicks(): Promise<number> {
  cached ??= runProgram('getconf', ['CLK_TCK'], { timeoutMs: 5000, maxOutputBytes: 1024 }).then(
    (r) => (r.failed ? null : parseClockTicks(r.stdout)) ?? DEFAULT_CLOCK_TICKS,
  );
  return cached;
}
