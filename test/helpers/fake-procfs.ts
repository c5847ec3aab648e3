/**
 * A fake /proc tree in a temp dir, for the procfs source and the classifier:
 * <root>/stat (btime), <root>/PID/{stat,status,cmdline,wchan,exe→binary,
 * task/PID/{stat,children}}. Binaries are real files, so exe links have a
 * device and inode like the kernel's. Children files are rebuilt from ppids
 * (unless noChildrenFiles: a kernel without CONFIG_PROC_CHILDREN).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FAKE_BTIME = 1_700_000_000;
export const FAKE_CLK_TCK = 100;

export interface FakeProcess {
  pid: number;
  ppid: number;
  comm?: string;
  state?: string;
  /** argv (joined with NULs, NUL-terminated) or exact bytes. */
  cmdline: string[] | Buffer;
  /** A binary made with fake.binary(), or { link } for raw link text (e.g. "... (deleted)"); none: no exe link. */
  exe?: string | { link: string };
  /** Clock ticks since boot. */
  startTicks?: number;
  utime?: number;
  stime?: number;
  threads?: number;
  uid?: number;
  wchan?: string;
}

export interface FakeProcfs {
  root: string;
  /** A real file to point exe links at. */
  binary(name: string): string;
  add(p: FakeProcess): void;
  /** The process exits and disappears (its directory goes). */
  remove(pid: number): void;
  /** Rewrite a process's files (CPU time grows, state changes, pid reused). */
  update(pid: number, changes: Partial<FakeProcess>): void;
  /** A pid named in a children file whose directory is already gone (vanished mid-scan). */
  addDanglingChild(ppid: number, pid: number): void;
  /** Start time in ms as forkwatch computes it from startTicks. */
  startTimeMs(startTicks: number): number;
  cleanup(): void;
}

export function statLine(p: FakeProcess): string {
  const f = [
    p.pid, `(${p.comm ?? 'java'})`, p.state ?? 'S', p.ppid, p.pid, p.pid, 0, -1, 4194304, 0, 0, 0, 0,
    p.utime ?? 0, p.stime ?? 0, 0, 0, 20, 0, p.threads ?? 1, 0, p.startTicks ?? 100, 1000000, 100,
  ];
  return `${f.join(' ')} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n`;
}

export function statusText(p: FakeProcess): string {
  const uid = p.uid ?? 1000;
  return `Name:\t${p.comm ?? 'java'}\nState:\t${p.state ?? 'S'} (sleeping)\nPid:\t${p.pid}\nPPid:\t${p.ppid}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nThreads:\t${p.threads ?? 1}\n`;
}

export function createFakeProcfs(opts: { noChildrenFiles?: boolean } = {}): FakeProcfs {
  const base = mkdtempSync(join(tmpdir(), 'forkwatch-procfs-'));
  const root = join(base, 'proc');
  const bin = join(base, 'bin');
  mkdirSync(root);
  mkdirSync(bin);
  writeFileSync(join(root, 'stat'), `cpu  1 2 3 4\nbtime ${FAKE_BTIME}\nprocesses 100\n`);
  const procs = new Map<number, FakeProcess>();
  const dangling = new Map<number, number[]>();

  /** Rewrite the children files of these pids (the ones a change touched). */
  const writeChildren = (...pids: number[]) => {
    if (opts.noChildrenFiles) return;
    for (const pid of pids) {
      if (!procs.has(pid)) continue;
      const kids = [...procs.values()].filter((c) => c.ppid === pid).map((c) => c.pid);
      kids.push(...(dangling.get(pid) ?? []));
      writeFileSync(join(root, String(pid), 'task', String(pid), 'children'), kids.map((k) => `${k} `).join(''));
    }
  };

  const write = (p: FakeProcess) => {
    const dir = join(root, String(p.pid));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'task', String(p.pid)), { recursive: true });
    writeFileSync(join(dir, 'stat'), statLine(p));
    writeFileSync(join(dir, 'task', String(p.pid), 'stat'), statLine(p));
    writeFileSync(join(dir, 'status'), statusText(p));
    const cmd = Buffer.isBuffer(p.cmdline) ? p.cmdline : Buffer.from(p.cmdline.map((a) => `${a}\0`).join(''));
    writeFileSync(join(dir, 'cmdline'), cmd);
    writeFileSync(join(dir, 'wchan'), p.wchan ?? '0');
    if (typeof p.exe === 'string') symlinkSync(p.exe, join(dir, 'exe'));
    else if (p.exe) symlinkSync(p.exe.link, join(dir, 'exe'));
  };

  return {
    root,
    binary(name) {
      const path = join(bin, name);
      writeFileSync(path, `#!fake ${name}\n`);
      return path;
    },
    add(p) {
      procs.set(p.pid, p);
      write(p);
      writeChildren(p.pid, p.ppid);
    },
    remove(pid) {
      const ppid = procs.get(pid)?.ppid ?? -1;
      procs.delete(pid);
      rmSync(join(root, String(pid)), { recursive: true, force: true });
      writeChildren(ppid);
    },
    update(pid, changes) {
      const before = procs.get(pid)!;
      const p = { ...before, ...changes };
      procs.set(pid, p);
      write(p);
      writeChildren(pid, before.ppid, p.ppid);
    },
    addDanglingChild(ppid, pid) {
      dangling.set(ppid, [...(dangling.get(ppid) ?? []), pid]);
      writeChildren(ppid);
    },
    startTimeMs: (ticks) => FAKE_BTIME * 1000 + (ticks * 1000) / FAKE_CLK_TCK,
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}
