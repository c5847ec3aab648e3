/** /proc/PID/task/TID/children: "12 34 56 " */
import { toUint } from './numbers.js';

export function parseChildren(text: string): number[] {
  const out: number[] = [];
  for (const tok of text.slice(0, 1 << 20).split(/\s+/)) {
    const pid = toUint(tok);
    if (pid !== null && pid > 0) out.push(pid);
  }
  return out;
}
