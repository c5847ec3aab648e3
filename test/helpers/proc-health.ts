/**
 * What the live tests check after a capture to say a hung child was not
 * harmed: read straight from /proc here, apart from src/proc, so the check
 * does not lean on the code under test.
 */
import { readFileSync } from 'node:fs';

export interface ProcHealth {
  /** /proc/PID/stat field 22: the same value later means the same process. */
  startTicks: number;
  /** One letter: S sleeping, T stopped, t traced, ... */
  state: string;
  /** /proc/PID/stat field 20: its threads (a forked child has one). */
  threads: number;
  tracerPid: number;
  /** The first field of /proc/PID/syscall: the system call it waits in (202: futex on x86-64). */
  syscall: string;
}

export function procHealth(pid: number): ProcHealth {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    startTicks: Number(fields[19]),
    state: fields[0]!,
    threads: Number(fields[17]),
    tracerPid: Number(/^TracerPid:\s*(\d+)/m.exec(status)![1]),
    syscall: readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0]!,
  };
}
