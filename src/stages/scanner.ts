/**
 * The stateful scanner the daemon calls each tick (and the CLI once):
 * scan → classify → ScanReport. Targets are discovered by streaming every
 * process past the selectors (keeping only matches) every
 * rediscoverInterval, or at once when a known target dies or its pid names
 * another process, and then on every tick until every selector matches again
 * (a restarting Jenkins or reconnecting agent is back within minutes), for at
 * most RECOVERY_WINDOW_MS; between discoveries only the targets and their
 * descendants are read, so a tick costs the same on a host with 100 or 10,000
 * unrelated processes.
 */
import { hostname } from 'node:os';
import type { Config } from '../config/config.js';
import { discoveryNeeds, readPidfile, type DiscoveryContext } from '../scan/discover.js';
import { getClockTicks } from '../scan/clock.js';
import { ProcfsSource } from '../scan/procfs.js';
import { listingTreeView, PsSource } from '../scan/ps.js';
import { newTally, type Tally } from '../scan/tally.js';
import { addChild, walkDescendants, type TreeView } from '../scan/tree.js';
import type { ProcessInfo } from '../scan/types.js';
import { loadUserNames } from '../scan/users.js';
import { classifyDescendants } from '../classify/classify.js';
import { sameIdentity } from '../classify/process-identity.js';
import { sameImage } from '../classify/image.js';
import { discoverStreaming, discoverTargets, type Matched, type ProcessStream } from '../classify/targets.js';
import { ChildTracker } from '../classify/tracker.js';
import type { ScanReport, TargetProcess } from '../classify/types.js';

export interface Scanner {
  readonly kind: 'procfs' | 'ps';
  scan(): Promise<ScanReport>;
}

export interface ScannerOptions {
  now?: () => number;
  host?: string;
  /** Skip `getconf CLK_TCK` (tests). */
  clockTicks?: number;
  /** ps: the platform the listing comes from (compare fname unless linux). */
  platform?: NodeJS.Platform;
}

type ScanConfig = Pick<Config, 'targets' | 'hungAfterMs' | 'rediscoverIntervalMs' | 'procRoot' | 'source' | 'tools'>;

export function chooseSource(config: ScanConfig): 'procfs' | 'ps' {
  if (config.source !== 'auto') return config.source;
  return ProcfsSource.available(config.procRoot) && process.platform !== 'sunos' ? 'procfs' : 'ps';
}

export function createScanner(config: ScanConfig, opts: ScannerOptions = {}): Scanner {
  return chooseSource(config) === 'procfs' ? new ProcfsScanner(config, opts) : new PsScanner(config, opts);
}

/** One scan, for the CLI. */
export function scanOnce(config: ScanConfig, opts: ScannerOptions = {}): Promise<ScanReport> {
  return createScanner(config, opts).scan();
}

function discoveryContext(): DiscoveryContext {
  const users = loadUserNames();
  const pidfiles = new Map<string, number | null>();
  return {
    selfPid: process.pid,
    userName: (uid) => users.get(uid) ?? null,
    pidfilePid: (path) => {
      if (!pidfiles.has(path)) pidfiles.set(path, readPidfile(path));
      return pidfiles.get(path) ?? null;
    },
  };
}

function toTarget(m: Matched, ctx: DiscoveryContext, process = m.process): TargetProcess {
  return { name: m.name, process, user: process.uid === null ? null : ctx.userName(process.uid) };
}

interface Finish {
  config: ScanConfig;
  targets: TargetProcess[];
  missing: string[];
  tally: Tally;
  nowMs: number;
  startedMs: number;
  tracker: ChildTracker;
  host: string;
  compareComm: boolean;
}

function walkAll(f: Finish, view: TreeView) {
  return f.targets.map((target) => ({
    target,
    walk: walkDescendants(
      target.process.pid,
      view,
      (d) => d.info.state !== 'zombie' && sameImage(target.process, d.info, { compareComm: f.compareComm }),
    ),
  }));
}

/** After a known target is lost: how long every tick looks for it again (then rediscoverInterval does). */
export const RECOVERY_WINDOW_MS = 5 * 60_000;

/**
 * When to read every process again: every rediscoverInterval, and on every
 * tick for RECOVERY_WINDOW_MS after a known target died (or its pid was
 * reused), until a discovery finds every selector again.
 */
class DiscoveryClock {
  private lastMs = -Infinity;
  private lostAtMs: number | null = null;

  due(nowMs: number, intervalMs: number): boolean {
    if (nowMs - this.lastMs >= intervalMs) return true;
    return this.lostAtMs !== null && nowMs - this.lostAtMs < RECOVERY_WINDOW_MS;
  }

  lost(nowMs: number): void {
    this.lostAtMs ??= nowMs;
  }

  discovered(nowMs: number, missing: number): void {
    this.lastMs = nowMs;
    if (missing === 0 || (this.lostAtMs !== null && nowMs - this.lostAtMs >= RECOVERY_WINDOW_MS)) this.lostAtMs = null;
  }
}

function finish(f: Finish, walks: ReturnType<typeof walkAll>): ScanReport {
  for (const w of walks) {
    if (w.walk.truncated)
      f.tally.warnings.push({
        pid: w.target.process.pid,
        message: 'descendant walk cut short by its depth/size limit',
      });
  }
  const children = classifyDescendants(
    walks.map((w) => ({ target: w.target, descendants: w.walk.descendants })),
    { hungAfterMs: f.config.hungAfterMs, nowMs: f.nowMs, compareComm: f.compareComm, tracker: f.tracker },
  );
  f.tally.stats.durationMs = Math.round((performance.now() - f.startedMs) * 10) / 10;
  return {
    at: f.nowMs,
    host: f.host,
    targets: f.targets,
    missingTargets: f.missing,
    children,
    stats: f.tally.stats,
    warnings: f.tally.warnings,
    hungAfterMs: f.config.hungAfterMs,
  };
}

class ProcfsScanner implements Scanner {
  readonly kind = 'procfs';
  private source: ProcfsSource | null = null;
  private known: TargetProcess[] = [];
  private missing: string[] = [];
  private readonly clock = new DiscoveryClock();
  private childrenFiles = true;
  private readonly tracker = new ChildTracker(0);

  constructor(
    private readonly config: ScanConfig,
    private readonly opts: ScannerOptions,
  ) {}

  async scan(): Promise<ScanReport> {
    const startedMs = performance.now();
    const nowMs = (this.opts.now ?? Date.now)();
    this.source ??= new ProcfsSource(this.config.procRoot, this.opts.clockTicks ?? (await getClockTicks()));
    const source = this.source;
    const tally = newTally('procfs');
    // ppid → children of every process, when this scan went through them all (discovery, or no children files)
    let children: Map<number, number[]> | null = null;
    const due = this.clock.due(nowMs, this.config.rediscoverIntervalMs);
    let targets = due ? null : this.refreshTargets(source, tally);
    if (targets === null) {
      if (!due) this.clock.lost(nowMs);
      ({ targets, children } = this.discover(source, tally));
      this.clock.discovered(nowMs, this.missing.length);
    }
    if (!this.childrenFiles && !children) children = source.listChildren(tally);
    const f: Finish = {
      config: this.config,
      targets,
      missing: this.missing,
      tally,
      nowMs,
      startedMs,
      tracker: this.tracker,
      host: this.opts.host ?? hostname(),
      compareComm: false,
    };
    let walks = walkAll(f, children ? source.listingView(children, tally) : source.targetedView(tally));
    if (walks.some((w) => w.walk.unsupported)) {
      this.childrenFiles = false; // kernel without /proc/PID/task/TID/children: ppid map from a listing
      children ??= source.listChildren(tally);
      walks = walkAll(f, source.listingView(children ?? new Map(), tally));
    }
    tally.stats.mode = children ? 'full' : 'targeted';
    return finish(f, walks);
  }

  /** Re-read known targets; null when one died or its pid was reused (rediscover now). */
  private refreshTargets(source: ProcfsSource, tally: Tally): TargetProcess[] | null {
    const out: TargetProcess[] = [];
    for (const t of this.known) {
      const info = source.refresh(t.process, tally);
      if (!info) return null;
      out.push({ ...t, process: info });
    }
    return out;
  }

  /**
   * Stream every process past the target selectors, keeping only the matches
   * (and the ppid map, numbers only): a listing kept whole at 10,000
   * processes is promoted to V8's old space, which then stays grown.
   */
  private discover(
    source: ProcfsSource,
    tally: Tally,
  ): { targets: TargetProcess[]; children: Map<number, number[]> | null } {
    const ctx = discoveryContext();
    const needs = discoveryNeeds(this.config.targets);
    const children = new Map<number, number[]>();
    const stream: ProcessStream = {
      each: (visit) =>
        source.eachProcess(needs, tally, (p) => {
          addChild(children, p);
          visit(p);
        }),
      read: (pid) => source.readLight(pid, needs, tally),
    };
    const found = discoverStreaming(this.config.targets, stream, ctx);
    const { matched, missing } = found ?? discoverTargets(this.config.targets, [], ctx);
    this.missing = missing;
    this.known = matched.map((m) => toTarget(m, ctx, source.readFull(m.process.pid, tally) ?? m.process));
    return { targets: this.known, children: found ? children : null };
  }
}

/** ps start times are now − etime, to the second: identities match within 2 s. */
const PS_IDENTITY_TOLERANCE_MS = 2000;

class PsScanner implements Scanner {
  readonly kind = 'ps';
  private readonly source: PsSource;
  /** pid → the start time first estimated for it (see stabilize). */
  private starts = new Map<number, number>();
  private known: TargetProcess[] = [];
  private missing: string[] = [];
  private readonly clock = new DiscoveryClock();
  private ptreeWorks = true;
  private readonly tracker = new ChildTracker(PS_IDENTITY_TOLERANCE_MS);

  constructor(
    private readonly config: ScanConfig,
    private readonly opts: ScannerOptions,
  ) {
    this.source = new PsSource({
      ps: config.tools.ps,
      ptree: config.tools.ptree,
      platform: opts.platform ?? process.platform,
    });
  }

  async scan(): Promise<ScanReport> {
    const startedMs = performance.now();
    const nowMs = (this.opts.now ?? Date.now)();
    const tally = newTally('ps');
    let listing = await this.listKnownSubtrees(nowMs, tally);
    if (listing) tally.stats.mode = 'targeted';
    else {
      listing = this.stabilize((await this.source.listAll(tally)) ?? []);
      tally.stats.mode = 'full';
      const ctx = discoveryContext();
      const found = discoverTargets(this.config.targets, listing, ctx, this.source.compareComm);
      this.known = found.matched.map((m) => toTarget(m, ctx));
      this.missing = found.missing;
      this.clock.discovered(nowMs, this.missing.length);
    }
    const view = listingTreeView(listing);
    const f: Finish = {
      config: this.config,
      targets: this.known,
      missing: this.missing,
      tally,
      nowMs,
      startedMs,
      tracker: this.tracker,
      host: this.opts.host ?? hostname(),
      compareComm: this.source.compareComm,
    };
    return finish(f, walkAll(f, view));
  }

  /** Between discoveries: ptree + ps -p for the known targets; null when a full listing is needed. */
  private async listKnownSubtrees(nowMs: number, tally: Tally): Promise<ProcessInfo[] | null> {
    if (!this.ptreeWorks || this.known.length === 0 || this.clock.due(nowMs, this.config.rediscoverIntervalMs))
      return null;
    const listed = await this.source.listSubtrees(
      this.known.map((t) => t.process.pid),
      tally,
    );
    if (!listed) {
      this.ptreeWorks = false;
      return null;
    }
    const listing = this.stabilize(listed);
    const byPid = new Map(listing.map((p) => [p.pid, p]));
    const refreshed: TargetProcess[] = [];
    for (const t of this.known) {
      const p = byPid.get(t.process.pid);
      if (!p || !sameIdentity(p, t.process, PS_IDENTITY_TOLERANCE_MS)) {
        this.clock.lost(nowMs); // died or pid reused
        return null;
      }
      refreshed.push({ ...t, process: p });
    }
    this.known = refreshed;
    return listing;
  }

  /**
   * A ps start time is an estimate (listing time − etime, whole seconds) that
   * moves by up to a second from one listing to the next. Keep the first
   * estimate of each identity, so what is keyed on (pid, start time) holds
   * across scans: one capture per child, one incident per child.
   */
  private stabilize(listing: ProcessInfo[]): ProcessInfo[] {
    const next = new Map<number, number>();
    const out = listing.map((p) => {
      const first = this.starts.get(p.pid);
      const startTimeMs =
        first !== undefined && Math.abs(first - p.startTimeMs) <= PS_IDENTITY_TOLERANCE_MS ? first : p.startTimeMs;
      next.set(p.pid, startTimeMs);
      return startTimeMs === p.startTimeMs ? p : { ...p, startTimeMs };
    });
    this.starts = next;
    return out;
  }
}

/** `forkwatch scan --ps-output FILE`: classify a listing captured elsewhere. */
export function classifyPsListing(
  listing: ProcessInfo[],
  config: ScanConfig,
  opts: { nowMs: number; compareComm: boolean; host?: string; tally: Tally },
): ScanReport {
  const ctx = discoveryContext();
  const { matched, missing } = discoverTargets(config.targets, listing, ctx, opts.compareComm);
  const view = listingTreeView(listing);
  const f: Finish = {
    config,
    targets: matched.map((m) => toTarget(m, ctx)),
    missing,
    tally: opts.tally,
    nowMs: opts.nowMs,
    startedMs: performance.now(),
    tracker: new ChildTracker(PS_IDENTITY_TOLERANCE_MS),
    host: opts.host ?? 'unknown',
    compareComm: opts.compareComm,
  };
  opts.tally.stats.mode = 'full';
  return finish(f, walkAll(f, view));
}
