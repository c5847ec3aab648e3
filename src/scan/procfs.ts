/**
 * The Linux procfs source: every process streamed past a visitor for target
 * discovery (none kept: at 10,000 processes a kept listing is promoted and
 * grows the old space for good), and targeted reads of known targets and
 * their descendants for the steady state, whose cost does not grow with
 * unrelated processes on the host.
 */
import type { ProcessIdentity, ProcessInfo } from './types.js';
import { readProcess, type ProcessRead, type ProcfsClock, type ReadOptions } from './procfs-read.js';
import { isFailure } from '../proc/read.js';
import { ProcFS } from '../proc/fs.js';
import { addChild, type TreeView } from './tree.js';
import { warn, type Tally } from './tally.js';

/** What a light read adds to stat + cmdline (discoveryNeeds). */
export interface LightNeeds {
  exe: boolean;
  status: boolean;
}

export class ProcfsSource {
  readonly fs: ProcFS;
  private clockCache: ProcfsClock | null = null;

  constructor(
    readonly root: string,
    readonly clockTicks: number,
  ) {
    this.fs = new ProcFS(root);
  }

  /** Whether root is a Linux /proc this source can read (the 'auto' source choice). */
  static available(root: string): boolean {
    return new ProcFS(root).hasHostStat();
  }

  /** btime never changes while the host is up: read once. */
  clock(): ProcfsClock | null {
    if (this.clockCache) return this.clockCache;
    const btimeSec = this.fs.bootTimeSec();
    if (btimeSec === null) return null;
    this.clockCache = { btimeSec, clockTicks: this.clockTicks };
    return this.clockCache;
  }

  /**
   * Visit every process, read lightly (stat + cmdline, plus what target
   * selectors need), one at a time: nothing is kept, so the processes a
   * visitor drops die young. False when the root cannot be listed.
   */
  eachProcess(needs: LightNeeds, tally: Tally, visit: (info: ProcessInfo) => void): boolean {
    const clock = this.clock();
    const pids = this.fs.pids();
    if (!clock || isFailure(pids)) {
      warn(tally, { file: this.root, message: `cannot list processes under ${this.root}` });
      return false;
    }
    for (const pid of pids) {
      const r = this.read(pid, clock, needs);
      if (r.kind === 'ok') visit(r.info);
      else if (r.kind === 'gone') tally.stats.vanished++;
      // denied/malformed unrelated processes are not ours to report
    }
    tally.stats.processesRead += pids.length;
    return true;
  }

  /** Every process, read lightly, in one array (tests and one-off listings; the scanner streams). */
  listAll(needs: LightNeeds, tally: Tally): ProcessInfo[] | null {
    const out: ProcessInfo[] = [];
    return this.eachProcess(needs, tally, (info) => out.push(info)) ? out : null;
  }

  /** ppid → child pids of every process, without keeping the processes (kernels without children files). */
  listChildren(tally: Tally): Map<number, number[]> | null {
    const map = new Map<number, number[]>();
    return this.eachProcess({ exe: false, status: false }, tally, (info) => addChild(map, info)) ? map : null;
  }

  /**
   * One process read again as eachProcess reads it (same needs, so images
   * compare alike); null when gone (counted) or unreadable (not ours to
   * report, as in a listing). Pid 0 is the kernel's "no parent", never a directory.
   */
  readLight(pid: number, needs: LightNeeds, tally: Tally): ProcessInfo | null {
    const clock = this.clock();
    if (!clock || pid <= 0) return null;
    tally.stats.processesRead++;
    const r = this.read(pid, clock, needs);
    if (r.kind === 'gone') tally.stats.vanished++;
    return r.kind === 'ok' ? r.info : null;
  }

  /** Read one process in full (status, exe, wchan), counting what went wrong. */
  readFull(pid: number, tally: Tally): ProcessInfo | null {
    const clock = this.clock();
    if (!clock) return null;
    tally.stats.processesRead++;
    const r = this.read(pid, clock, { status: true, exe: true, wchan: true, verify: true });
    return this.count(pid, r, tally);
  }

  private read(pid: number, clock: ProcfsClock, opts: ReadOptions): ProcessRead {
    return readProcess(this.fs, pid, clock, opts);
  }

  private count(pid: number, r: ProcessRead, tally: Tally): ProcessInfo | null {
    switch (r.kind) {
      case 'ok':
        if (r.exeDenied) {
          tally.stats.permissionDenied++;
          warn(tally, {
            pid,
            file: `${this.root}/${pid}/exe`,
            message: 'permission denied reading exe: compared by cmdline only',
          });
        }
        return r.info;
      case 'gone':
        tally.stats.vanished++;
        return null;
      case 'denied':
        tally.stats.permissionDenied++;
        warn(tally, { pid, file: r.file, message: 'permission denied' });
        return null;
      case 'malformed':
        tally.stats.malformed++;
        warn(tally, { pid, file: r.file, message: `malformed: ${r.message}` });
        return null;
    }
  }

  /** A known process, re-read; null when gone or its pid now names another process. */
  refresh(id: ProcessIdentity, tally: Tally): ProcessInfo | null {
    const info = this.readFull(id.pid, tally);
    return info && info.startTimeMs === id.startTimeMs ? info : null;
  }

  /** Children via /proc/PID/task/TID/children: cost ∝ the target's threads and children. */
  targetedView(tally: Tally): TreeView {
    return {
      childrenOf: (pid) => {
        const kids = this.fs.children(pid);
        if (kids === 'unsupported') return 'unsupported';
        return isFailure(kids) ? [] : kids;
      },
      info: (pid) => this.readFull(pid, tally),
    };
  }

  /** Children from a full listing's ppid map (listChildren, or built while discovering). */
  listingView(children: Map<number, number[]>, tally: Tally): TreeView {
    return { childrenOf: (pid) => children.get(pid) ?? [], info: (pid) => this.readFull(pid, tally) };
  }
}
