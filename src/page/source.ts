/**
 * Where the page's data comes from. Targets, children and incidents are read
 * from the daemon's own JSON API, called in process with app.inject(): the
 * page shows exactly what the API says (one serialisation, one source of
 * truth). The scan state (last tick, its errors, the interval) is not in the
 * API; it comes from a StatusProvider (the daemon's snapshot, see extension.ts).
 * Each call that fails becomes a "problem" line on the page, never an error page.
 */
import type { FastifyInstance } from 'fastify';
import { arr, bool, listOf, ms, num, obj, pick, str } from './json.js';
import { mapIncident } from './map-incident.js';
import type {
  IncidentPageData,
  OverviewData,
  PageChild,
  PageForkRisk,
  PageIncident,
  PageStatus,
  PageTarget,
} from './model.js';

export interface PageSource {
  overview(): Promise<OverviewData>;
  /** null when the API says there is no such incident. */
  incident(id: string): Promise<IncidentPageData | null>;
}

/** What the daemon knows about its scans and settings; everything optional. */
export interface StatusFacts {
  host?: string | null;
  version?: string | null;
  lastScanAt?: number | null;
  lastSuccessfulScanAt?: number | null;
  intervalMs?: number | null;
  scanErrors?: PageStatus['scanErrors'];
  remediationMode?: string;
}

export interface ApiSourceOptions {
  status?: () => StatusFacts;
  /** Open incidents whose full evidence is fetched for the overview. */
  maxOpenWithEvidence?: number;
  now?: () => number;
}

export const KILL_ROUTE = '/api/v1/incidents/:id/kill';
const RESOLVED_SHOWN = 20;
/**
 * Open incidents on the overview, and how many of them with their stacks. A render holds the event loop and its
 * garbage is what a flood of page views grows the heap with (bench/RESULTS.md "http GET load"): 200 and 20 before,
 * ~40 ms and a 186 KB page with 1,000 open; the rest is one link away (the API's next page, each incident's page).
 */
export const OPEN_SHOWN = 50;
export const OPEN_WITH_EVIDENCE = 10;
/** Targets whose audit is fetched per page view (targets are configured: few). */
const MAX_AUDITS_SHOWN = 50;

interface Fetched {
  status: number;
  body: unknown;
}

export function createApiSource(app: FastifyInstance, opts: ApiSourceOptions = {}): PageSource {
  const now = opts.now ?? Date.now;
  const get = async (url: string, problems: string[]): Promise<Fetched | null> => {
    try {
      // In-process requests never yield on their own (synchronous store): give sockets a turn between them.
      await new Promise((r) => setImmediate(r));
      const res = await app.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
      const body: unknown = res.body.length > 0 ? JSON.parse(res.body) : null;
      if (res.statusCode >= 400 && res.statusCode !== 404)
        problems.push(`${url}: HTTP ${res.statusCode} ${str(obj(body)?.message) ?? ''}`.trim());
      return { status: res.statusCode, body };
    } catch (err) {
      problems.push(`${url}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };
  const status = (problems: string[]): PageStatus =>
    buildStatus(opts.status?.() ?? {}, {
      now: now(),
      killRoute: app.hasRoute({ method: 'POST', url: KILL_ROUTE }),
      problems,
    });

  return {
    async overview() {
      const problems: string[] = [];
      const [targets, children, open, resolved] = await Promise.all([
        get('/api/v1/targets', problems),
        get('/api/v1/children', problems),
        get(`/api/v1/incidents?state=open&limit=${OPEN_SHOWN}`, problems),
        get(`/api/v1/incidents?state=resolved&limit=${RESOLVED_SHOWN}`, problems),
      ]);
      const openList = incidentsOf(open);
      const withEvidence = await Promise.all(
        openList.slice(0, opts.maxOpenWithEvidence ?? OPEN_WITH_EVIDENCE).map(async (i) => {
          const full = await get(`/api/v1/incidents/${encodeURIComponent(i.id)}`, problems);
          return (full && full.status < 400 ? mapIncident(full.body) : null) ?? i;
        }),
      );
      const openIncidents = [...withEvidence, ...openList.slice(withEvidence.length)];
      return {
        status: status(problems),
        targets: await withForkRisk(mapTargets(targets?.body), get, problems),
        children: linkIncidents(
          listOf(children?.body, 'children')
            .map(mapChild)
            .filter((c): c is PageChild => c !== null),
          openIncidents,
        ),
        openIncidents,
        moreOpenCursor: str(obj(open?.body)?.nextCursor),
        resolvedIncidents: incidentsOf(resolved),
      };
    },
    async incident(id) {
      const problems: string[] = [];
      const res = await get(`/api/v1/incidents/${encodeURIComponent(id)}`, problems);
      const incident = res && res.status < 400 ? mapIncident(res.body) : null;
      return incident ? { status: status(problems), incident } : null;
    },
  };
}

/** Each target's fork-risk audit, where the audit route exists (the daemon's audit extension). */
async function withForkRisk(
  targets: PageTarget[],
  get: (url: string, problems: string[]) => Promise<Fetched | null>,
  problems: string[],
): Promise<PageTarget[]> {
  const names = [...new Set(targets.map((t) => t.name))].slice(0, MAX_AUDITS_SHOWN);
  const audits = new Map<string, PageForkRisk | null>();
  for (const name of names) {
    const res = await get(`/api/v1/targets/${encodeURIComponent(name)}/audit`, problems);
    audits.set(name, res && res.status < 400 ? mapForkRisk(res.body) : null);
  }
  return targets.map((t) => ({ ...t, forkRisk: audits.get(t.name) ?? null }));
}

/** GET /api/v1/targets/:name/audit → what the page shows (strings stay untrusted until the view escapes them). */
export function mapForkRisk(body: unknown): PageForkRisk | null {
  const b = obj(body);
  if (!b) return null;
  const at = str(b.auditedAt);
  return {
    pid: num(b.pid),
    risk: str(b.risk),
    auditedAt: at ? Date.parse(at) : null,
    reasons: arr(b.reasons)
      .map(obj)
      .filter((r) => r !== null)
      .map((r) => ({
        rule: str(r.rule) ?? '?',
        title: str(r.title) ?? '',
        level: str(r.level) ?? '?',
        evidence: str(obj(r.evidence)?.text) ?? '',
        prevention: str(r.prevention) ?? '',
      })),
    notes: arr(b.notes)
      .map(str)
      .filter((n): n is string => n !== null),
  };
}

function incidentsOf(res: Fetched | null): PageIncident[] {
  if (!res || res.status >= 400) return [];
  return listOf(res.body, 'incidents')
    .map(mapIncident)
    .filter((i): i is PageIncident => i !== null);
}

export function buildStatus(
  facts: StatusFacts,
  ctx: { now: number; killRoute: boolean; problems: string[] },
): PageStatus {
  const mode = facts.remediationMode ?? 'off';
  return {
    now: ctx.now,
    host: facts.host ?? null,
    version: facts.version ?? null,
    lastScanAt: facts.lastScanAt ?? null,
    lastSuccessfulScanAt: facts.lastSuccessfulScanAt ?? null,
    intervalMs: facts.intervalMs ?? null,
    scanErrors: facts.scanErrors ?? [],
    remediationMode: mode,
    killAvailable: mode !== 'off' && ctx.killRoute,
    problems: ctx.problems,
  };
}

/** GET /api/v1/targets: one row per (target, process); a target with no process is one "not found" row. */
export function mapTargets(body: unknown): PageTarget[] {
  const out: PageTarget[] = [];
  for (const v of listOf(body, 'targets')) {
    const t = obj(v);
    const name = str(t?.name);
    if (!t || name === null) continue;
    const processes = arr(t.processes)
      .map(obj)
      .filter((p) => p !== null);
    if (processes.length === 0) {
      out.push({
        name,
        pid: num(t.pid),
        startTimeMs: null,
        up: bool(t.found) ?? false,
        user: null,
        cmdline: null,
        processes: null,
      });
      continue;
    }
    for (const p of processes) {
      out.push({
        name,
        pid: num(p.pid),
        startTimeMs: ms(p.startTimeMs),
        up: true,
        user: str(p.user),
        cmdline: str(p.cmdline),
        processes: null,
      });
    }
  }
  return out;
}

const STATE_WORDS: Record<string, string> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk sleep',
  Z: 'zombie',
  T: 'stopped',
  t: 'traced',
  X: 'dead',
  I: 'idle',
};

/** GET /api/v1/children item: {target, process, depth, classification, ageSeconds, overdue, overdueSince}. */
export function mapChild(v: unknown): PageChild | null {
  const c = obj(v);
  if (!c) return null;
  const p = obj(pick(c, 'process', 'child')) ?? c;
  const target = obj(c.target);
  const pid = num(p.pid);
  if (pid === null) return null;
  const stateCode = str(p.state) ?? str(p.stateCode);
  const ageSeconds = num(c.ageSeconds);
  return {
    target: str(target?.name) ?? str(c.target) ?? '?',
    targetPid: num(target?.pid),
    pid,
    startTimeMs: ms(p.startTimeMs),
    classification: str(c.classification) ?? 'unknown',
    ageMs: ageSeconds !== null ? ageSeconds * 1000 : num(c.ageMs),
    overdue: bool(c.overdue) ?? false,
    state:
      stateCode === null ? null : `${STATE_WORDS[stateCode] ?? stateCode}${str(p.wchan) ? ` (${str(p.wchan)})` : ''}`,
    comm: str(p.comm),
    cmdline: str(p.cmdline),
    depth: num(c.depth),
    incidentId: null,
  };
}

/** The open incident about each child: same pid and start time (a reused pid is another process). */
export function linkIncidents(children: PageChild[], open: PageIncident[]): PageChild[] {
  const byChild = new Map(open.map((i) => [`${i.child.pid}@${i.child.startTimeMs}`, i]));
  return children.map((c) => {
    const inc = byChild.get(`${c.pid}@${c.startTimeMs}`);
    return inc ? { ...c, incidentId: inc.id, incidentState: inc.state } : c;
  });
}
