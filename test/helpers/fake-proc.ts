/**
 * The one fake /proc of the tests: a temp dir laid out as the kernel lays out
 * /proc, filled from a text archive (test/fixtures/proc/*.txtar, readable in
 * review) and/or built process by process. A process is rendered to the same
 * txtar files a fixture spells out (processFiles), so both read alike:
 *
 *   -- stat --                      "cpu ... btime 1700000000"
 *   -- 1234/stat --                 "1234 (java) S 1 ..."
 *   -- 1234/status --, cmdline, comm, wchan, syscall, exe -> BINARY,
 *   -- 1234/task/1234/{stat,children} --, task/TID/{comm,wchan,syscall}
 *
 * Binaries are real files, so exe links have a device and inode like the
 * kernel's. Children files are rebuilt from ppids (unless noChildrenFiles: a
 * kernel without CONFIG_PROC_CHILDREN).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { materialize, readTxtar, type TxtarFile } from './txtar.js';
import { REPO_ROOT } from './native-build.js';

export const FAKE_BTIME = 1_700_000_000;
export const FAKE_CLK_TCK = 100;
/** A private futex wait with no timeout (x64): what a hung child's syscall file says. */
export const FUTEX_WAIT_LINE = '202 0x5 0x80 0x2 0x0 0x0 0x0 0x7ff 0x7fe';

export interface FakeTask {
  tid: number;
  comm: string;
  wchan?: string;
  syscall?: string;
}

export interface FakeProcess {
  pid: number;
  ppid?: number;
  comm?: string;
  state?: string;
  /** argv (joined with NULs, NUL-terminated) or exact bytes; default: none (empty, a kernel thread's). */
  cmdline?: string[] | Buffer;
  /** A binary made with fake.binary(), or { link } for raw link text (e.g. "... (deleted)"); none: no exe link. */
  exe?: string | { link: string };
  /** Clock ticks since boot. */
  startTicks?: number;
  utime?: number;
  stime?: number;
  threads?: number;
  uid?: number;
  wchan?: string;
  tracerPid?: number;
  sigPnd?: string;
  syscall?: string;
  /** Threads other than the main one, with their own comm/wchan/syscall. */
  tasks?: FakeTask[];
}

export function statLine(p: FakeProcess): string {
  const f = [
    p.pid,
    `(${p.comm ?? 'java'})`,
    p.state ?? 'S',
    p.ppid ?? 1,
    p.pid,
    p.pid,
    0,
    -1,
    4194304,
    0,
    0,
    0,
    0,
    p.utime ?? 0,
    p.stime ?? 0,
    0,
    0,
    20,
    0,
    p.threads ?? 1,
    0,
    p.startTicks ?? 100,
    1000000,
    100,
  ];
  return `${f.join(' ')} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n`;
}

export function statusText(p: FakeProcess): string {
  const uid = p.uid ?? 1000;
  return [
    `Name:\t${p.comm ?? 'java'}`,
    `State:\t${p.state ?? 'S'} (sleeping)`,
    `Pid:\t${p.pid}`,
    `PPid:\t${p.ppid ?? 1}`,
    `TracerPid:\t${p.tracerPid ?? 0}`,
    `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`,
    `Gid:\t${uid}\t${uid}\t${uid}\t${uid}`,
    `Threads:\t${p.threads ?? 1}`,
    `SigPnd:\t${p.sigPnd ?? '0000000000000000'}`,
    'ShdPnd:\t0000000000000000',
    'voluntary_ctxt_switches:\t1',
    'nonvoluntary_ctxt_switches:\t0',
    '',
  ].join('\n');
}

/** The files of one process, as a txtar would list them (children files apart). */
export function processFiles(p: FakeProcess): TxtarFile[] {
  const d = String(p.pid);
  const cmd = Buffer.isBuffer(p.cmdline) ? p.cmdline : Buffer.from((p.cmdline ?? []).map((a) => `${a}\0`).join(''));
  const files: TxtarFile[] = [
    { name: `${d}/stat`, data: statLine(p) },
    { name: `${d}/task/${d}/stat`, data: statLine(p) },
    { name: `${d}/status`, data: statusText(p) },
    { name: `${d}/cmdline`, data: cmd },
    { name: `${d}/comm`, data: `${p.comm ?? 'java'}\n` },
    { name: `${d}/wchan`, data: p.wchan ?? '0' },
    { name: `${d}/syscall`, data: `${p.syscall ?? 'running'}\n` },
  ];
  if (p.exe) files.push({ name: `${d}/exe -> ${typeof p.exe === 'string' ? p.exe : p.exe.link}`, data: '' });
  for (const t of p.tasks ?? []) {
    files.push({ name: `${d}/task/${t.tid}/comm`, data: `${t.comm}\n` });
    files.push({ name: `${d}/task/${t.tid}/wchan`, data: t.wchan ?? '0' });
    files.push({ name: `${d}/task/${t.tid}/syscall`, data: `${t.syscall ?? 'running'}\n` });
  }
  return files;
}

export interface FakeProc {
  root: string;
  /** A real file to point exe links at. */
  binary(name: string): string;
  add(p: FakeProcess): void;
  /** A process as capture meets a suspect: blocked in a private futex wait, some CPU time, root's. */
  set(p: FakeProcess): void;
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

export interface FakeProcOptions {
  noChildrenFiles?: boolean;
  /** A fixture under test/fixtures/proc (without .txtar) laid down first. */
  fixture?: string;
}

export function fixturePath(name: string): string {
  return join(REPO_ROOT, 'test/fixtures/proc', `${name}.txtar`);
}

export function createFakeProc(opts: FakeProcOptions = {}): FakeProc {
  const base = mkdtempSync(join(tmpdir(), 'forkwatch-proc-'));
  const root = join(base, 'proc');
  const bin = join(base, 'bin');
  mkdirSync(root);
  mkdirSync(bin);
  writeFileSync(join(root, 'stat'), `cpu  1 2 3 4\nbtime ${FAKE_BTIME}\nprocesses 100\n`);
  if (opts.fixture) materialize(root, readTxtar(fixturePath(opts.fixture)));
  const procs = new Map<number, FakeProcess>();
  const dangling = new Map<number, number[]>();

  /** Rewrite the children files of these pids (the ones a change touched). */
  const writeChildren = (...pids: (number | undefined)[]) => {
    if (opts.noChildrenFiles) return;
    for (const pid of pids) {
      if (pid === undefined || !procs.has(pid)) continue;
      const kids = [...procs.values()].filter((c) => (c.ppid ?? 1) === pid).map((c) => c.pid);
      kids.push(...(dangling.get(pid) ?? []));
      writeFileSync(join(root, String(pid), 'task', String(pid), 'children'), kids.map((k) => `${k} `).join(''));
    }
  };
  const write = (p: FakeProcess) => {
    rmSync(join(root, String(p.pid)), { recursive: true, force: true });
    materialize(root, processFiles(p));
  };
  const add = (p: FakeProcess) => {
    procs.set(p.pid, p);
    write(p);
    writeChildren(p.pid, p.ppid ?? 1);
  };

  return {
    root,
    binary(name) {
      const path = join(bin, name);
      writeFileSync(path, `#!fake ${name}\n`);
      return path;
    },
    add,
    set: (p) =>
      add({ utime: 3, stime: 2, uid: 0, wchan: 'futex_do_wait', syscall: FUTEX_WAIT_LINE, startTicks: 1000, ...p }),
    remove(pid) {
      const ppid = procs.get(pid)?.ppid ?? 1;
      procs.delete(pid);
      rmSync(join(root, String(pid)), { recursive: true, force: true });
      writeChildren(ppid);
    },
    update(pid, changes) {
      const before = procs.get(pid)!;
      const p = { ...before, ...changes };
      procs.set(pid, p);
      write(p);
      writeChildren(pid, before.ppid ?? 1, p.ppid ?? 1);
    },
    addDanglingChild(ppid, pid) {
      dangling.set(ppid, [...(dangling.get(ppid) ?? []), pid]);
      writeChildren(ppid);
    },
    startTimeMs: (ticks) => FAKE_BTIME * 1000 + (ticks * 1000) / FAKE_CLK_TCK,
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** The identity's startTimeMs for startTicks under FAKE_BTIME (USER_HZ 100). */
export function startTimeMsOf(startTicks = 1000): number {
  return FAKE_BTIME * 1000 + startTicks * 10;
}
