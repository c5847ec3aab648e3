/**
 * The POSIX `ps` source (illumos, Solaris, any ps): one listing per scan with
 * explicit columns, or — where `ptree` exists — the targets' subtrees only
 * (`ptree PID`, then `ps -p` for those pids), so the steady state does not
 * grow with unrelated processes there either.
 */
import { runProgram } from '../util/run-program.js';
import { parsePsListing, parsePtree, ptreeDescendants, PS_COLUMNS } from './ps-parse.js';
import type { ProcessInfo } from './types.js';
import { warn, type Tally } from './tally.js';
import { childrenMap, type TreeView } from './tree.js';

const PS_TIMEOUT_MS = 30_000;
const PS_MAX_BYTES = 64 * 1024 * 1024;

export interface PsSourceOptions {
  ps: string;
  ptree: string;
  /** process.platform of the host the listing comes from. */
  platform?: NodeJS.Platform;
}

export class PsSource {
  readonly platform: NodeJS.Platform;

  constructor(readonly opts: PsSourceOptions) {
    this.platform = opts.platform ?? process.platform;
  }

  /** illumos/Solaris fname names the executable; Linux's is the (forking) thread's name. */
  get compareComm(): boolean {
    return this.platform !== 'linux';
  }

  private columnArgs(): string[] {
    // procps would cut args at the terminal width without ww; illumos ps has no -w.
    return [...(this.platform === 'linux' ? ['-ww'] : []), '-o', PS_COLUMNS.join(',')];
  }

  private async runPs(selection: string[], tally: Tally): Promise<ProcessInfo[] | null> {
    const atMs = Date.now();
    const r = await runProgram(this.opts.ps, [...selection, ...this.columnArgs()], {
      timeoutMs: PS_TIMEOUT_MS,
      maxOutputBytes: PS_MAX_BYTES,
    });
    // ps -p exits 1 when some listed pid is gone: its output is still good.
    if (r.notFound || r.timedOut || r.truncated || (r.failed && r.stdout.trim() === '')) {
      warn(tally, { message: `${this.opts.ps} failed: ${r.cause ?? r.stderr.slice(0, 200)}` });
      return null;
    }
    const listing = parsePsListing(r.stdout, { atMs, argsMayBeTruncated: this.compareComm });
    tally.stats.malformed += listing.malformed;
    tally.stats.processesRead += listing.processes.length;
    for (const w of listing.warnings) warn(tally, w);
    return listing.processes;
  }

  listAll(tally: Tally): Promise<ProcessInfo[] | null> {
    return this.runPs(['-e'], tally);
  }

  /** The roots and everything below them, via ptree; null when ptree cannot help. */
  async listSubtrees(rootPids: number[], tally: Tally): Promise<ProcessInfo[] | null> {
    const pids = new Set<number>(rootPids);
    for (const root of rootPids) {
      const r = await runProgram(this.opts.ptree, [String(root)], {
        timeoutMs: PS_TIMEOUT_MS,
        maxOutputBytes: 4 * 1024 * 1024,
      });
      if (r.notFound || r.timedOut) return null;
      for (const pid of ptreeDescendants(parsePtree(r.stdout).entries, root)) pids.add(pid);
    }
    return this.runPs(['-p', [...pids].join(',')], tally);
  }
}

/** ps gives everything at once: children from the ppid map, info from the listing. */
export function listingTreeView(listing: ProcessInfo[]): TreeView {
  const map = childrenMap(listing);
  const byPid = new Map(listing.map((p) => [p.pid, p]));
  return { childrenOf: (pid) => map.get(pid) ?? [], info: (pid) => byPid.get(pid) ?? null };
}
