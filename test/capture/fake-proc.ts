/** A tiny /proc tree in a temp dir for capture unit tests (procRoot is configurable). */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeProcess {
  pid: number;
  ppid?: number;
  comm?: string;
  state?: string;
  startTicks?: number;
  tracerPid?: number;
  threads?: number;
  sigPnd?: string;
  syscall?: string;
  tasks?: { tid: number; comm: string; wchan?: string; syscall?: string }[];
}

export const BTIME = 1_700_000_000;

export function makeFakeProc(): { root: string; set(p: FakeProcess): void; remove(pid: number): void } {
  const root = mkdtempSync(join(tmpdir(), 'fw-proc-'));
  writeFileSync(join(root, 'stat'), `cpu  1 2 3 4\nbtime ${BTIME}\nprocesses 5\n`);
  return {
    root,
    set(p) {
      const dir = join(root, String(p.pid));
      mkdirSync(dir, { recursive: true });
      const state = p.state ?? 'S';
      writeFileSync(
        join(dir, 'stat'),
        `${p.pid} (${p.comm ?? 'java'}) ${state} ${p.ppid ?? 1} 1 1 0 -1 0 0 0 0 0 3 2 0 0 20 0 ${p.threads ?? 1} 0 ${p.startTicks ?? 1000} 1 1\n`,
      );
      writeFileSync(
        join(dir, 'status'),
        `Name:\t${p.comm ?? 'java'}\nState:\t${state} (x)\nTracerPid:\t${p.tracerPid ?? 0}\nUid:\t0\t0\t0\t0\nThreads:\t${p.threads ?? 1}\nSigPnd:\t${p.sigPnd ?? '0000000000000000'}\nShdPnd:\t0000000000000000\nvoluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t0\n`,
      );
      writeFileSync(join(dir, 'comm'), `${p.comm ?? 'java'}\n`);
      writeFileSync(join(dir, 'syscall'), `${p.syscall ?? '202 0x5 0x80 0x2 0x0 0x0 0x0 0x7ff 0x7fe'}\n`);
      writeFileSync(join(dir, 'wchan'), 'futex_do_wait');
      for (const t of p.tasks ?? []) {
        const tdir = join(dir, 'task', String(t.tid));
        mkdirSync(tdir, { recursive: true });
        writeFileSync(join(tdir, 'comm'), `${t.comm}\n`);
        writeFileSync(join(tdir, 'wchan'), t.wchan ?? '0');
        writeFileSync(join(tdir, 'syscall'), `${t.syscall ?? 'running'}\n`);
      }
    },
    remove(pid) {
      writeFileSync(join(root, String(pid), 'stat'), '');
    },
  };
}

/** The identity's startTimeMs for startTicks under BTIME (USER_HZ 100). */
export function startTimeMsOf(startTicks = 1000): number {
  return BTIME * 1000 + startTicks * 10;
}
