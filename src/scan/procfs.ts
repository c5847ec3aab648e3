/**
 * The Linux procfs source: a full listing for target discovery, and targeted
 * reads of known targets and their descendants for the steady state, whose
 * cost does not grow with unrelated processes on the host.
 */
import type { ProcessIdentity, ProcessInfo } from './types.js';
import { isFailure, ProcfsReader, type ProcessRead, type ProcfsClock } from './procfs-read.js';
import { parseBtime } from './procfs-parse.js';
import { childrenMap, type TreeView } from './tree.js';
import { warn, type Tally } from './tally.js';

export class ProcfsSource {
  readonly reader: ProcfsReader;
  private clockCache: ProcfsClock | null = null;

  constructor(
    readonly root: string,
    readonly clockTicks: number,
  ) {
    this.reader = new ProcfsReader(root);
  }

  /** btime never changes while the host is up: read once. */
  clock(): ProcfsClock | null {
    if (this.clockCache) return this.clockCache;
    const text = this.reader.readText(`${this.root}/stat`);
    const btimeSec = isFailure(text) ? null : parseBtime(text);
    if (btimeSec === null) return null;
    this.clockCache = { btimeSec, clockTicks: this.clockTicks };
    return this.clockCache;
  }

  /** Every process, read lightly (stat + cmdline, plus what target selectors need). */
  listAll(needs: { exe: boolean; status: boolean }, tally: Tally): ProcessInfo[] | null {
    const clock = this.clock();
    const pids = this.reader.listPids();
    if (!clock || isFailure(pids)) {
      warn(tally, { file: this.root, message: `cannot list processes under ${this.root}` });
      return null;
    }
    const out: ProcessInfo[] = [];
    for (const pid of pids) {
      const r = this.reader.readProcess(pid, clock, { exe: needs.exe, status: needs.status });
      if (r.kind === 'ok') out.push(r.info);
      else if (r.kind === 'gone') tally.stats.vanished++;
      // denied/malformed unrelated processes are not ours to report
    }
    tally.stats.processesRead += pids.length;
    return out;
  }

  /** Read one process in full (status, exe, wchan), counting what went wrong. */
  readFull(pid: number, tally: Tally): ProcessInfo | null {
    const clock = this.clock();
    if (!clock) return null;
    tally.stats.processesRead++;
    const r = this.reader.readProcess(pid, clock, { status: true, exe: true, wchan: true, verify: true });
    return this.count(pid, r, tally);
  }

  private count(pid: number, r: ProcessRead, tally: Tally): ProcessInfo | null {
    switch (r.kind) {
      case 'ok':
        if (r.exeDenied) {
          tally.stats.permissionDenied++;
          warn(tally, { pid, file: `${this.root}/${pid}/exe`, message: 'permission denied reading exe: compared by cmdline only' });
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
        const kids = this.reader.readChildren(pid);
        if (kids === 'unsupported') return 'unsupported';
        return isFailure(kids) ? [] : kids;
      },
      info: (pid) => this.readFull(pid, tally),
    };
  }

  /** Children from a full listing's ppid map (kernels without children files). */
  listingView(listing: ProcessInfo[], tally: Tally): TreeView {
    const map = childrenMap(listing);
    return { childrenOf: (pid) => map.get(pid) ?? [], info: (pid) => this.readFull(pid, tally) };
  }
}
