/**
 * Where the page's data comes from: the daemon's own JSON API, called in
 * process with app.inject(). The page therefore shows exactly what the API
 * says (one source of truth) and needs nothing but the server it is mounted on.
 * Each call that fails becomes a "problem" line on the page, never an error page.
 */
import type { FastifyInstance } from 'fastify';
import { arr, bool, listOf, ms, num, obj, pick, str, type Json } from './json.js';
import { mapIncident } from './map-incident.js';
import type { IncidentPageData, OverviewData, PageChild, PageIncident, PageStatus, PageTarget } from './model.js';

export interface PageSource {
  overview(): Promise<OverviewData>;
  /** null when the API says there is no such incident. */
  incident(id: string): Promise<IncidentPageData | null>;
}

export interface ApiSourceOptions {
  /** Config's remediation.mode, when the API does not report it. */
  remediationMode?: string;
  /** Open incidents whose full evidence is fetched for the overview. */
  maxOpenWithEvidence?: number;
  now?: () => number;
}

export const KILL_ROUTE = '/api/v1/incidents/:id/kill';
const RESOLVED_SHOWN = 20;

interface Fetched {
  status: number;
  body: unknown;
}

export function createApiSource(app: FastifyInstance, opts: ApiSourceOptions = {}): PageSource {
  const now = opts.now ?? Date.now;
  const get = async (url: string, problems: string[]): Promise<Fetched | null> => {
    try {
      const res = await app.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
      const body: unknown = res.body.length > 0 ? JSON.parse(res.body) : null;
      if (res.statusCode >= 400 && res.statusCode !== 404) problems.push(`${url}: HTTP ${res.statusCode} ${str(obj(body)?.message) ?? ''}`.trim());
      return { status: res.statusCode, body };
    } catch (err) {
      problems.push(`${url}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };

  const status = async (problems: string[]): Promise<PageStatus> => {
    const res = await get('/api/v1/status', problems);
    return mapStatus(res && res.status < 400 ? res.body : null, {
      now: now(),
      remediationMode: opts.remediationMode ?? 'off',
      killRoute: app.hasRoute({ method: 'POST', url: KILL_ROUTE }),
      problems,
    });
  };

  return {
    async overview() {
      const problems: string[] = [];
      const [st, targets, children, open, resolved] = await Promise.all([
        status(problems),
        get('/api/v1/targets', problems),
        get('/api/v1/children', problems),
        get('/api/v1/incidents?state=open&limit=100', problems),
        get(`/api/v1/incidents?state=resolved&limit=${RESOLVED_SHOWN}`, problems),
      ]);
      const openList = incidentsOf(open);
      const withEvidence = await Promise.all(
        openList.slice(0, opts.maxOpenWithEvidence ?? 20).map(async (i) => {
          const full = await get(`/api/v1/incidents/${encodeURIComponent(i.id)}`, problems);
          return (full && full.status < 400 ? mapIncident(full.body) : null) ?? i;
        }),
      );
      return {
        status: st,
        targets: listOf(targets?.body, 'targets').map(mapTarget).filter((t): t is PageTarget => t !== null),
        children: listOf(children?.body, 'children').map(mapChild).filter((c): c is PageChild => c !== null),
        openIncidents: [...withEvidence, ...openList.slice(withEvidence.length)],
        resolvedIncidents: incidentsOf(resolved),
      };
    },
    async incident(id) {
      const problems: string[] = [];
      const [st, res] = await Promise.all([status(problems), get(`/api/v1/incidents/${encodeURIComponent(id)}`, problems)]);
      const incident = res && res.status < 400 ? mapIncident(res.body) : null;
      return incident ? { status: st, incident } : null;
    },
  };
}

function incidentsOf(res: Fetched | null): PageIncident[] {
  if (!res || res.status >= 400) return [];
  return listOf(res.body, 'incidents').map(mapIncident).filter((i): i is PageIncident => i !== null);
}

export function mapStatus(body: unknown, ctx: { now: number; remediationMode: string; killRoute: boolean; problems: string[] }): PageStatus {
  const o = obj(body);
  const last = obj(pick(o, 'lastTick', 'lastScan'));
  const mode = str(pick(obj(o?.remediation), 'mode')) ?? str(o?.remediationMode) ?? ctx.remediationMode;
  return {
    now: ctx.now,
    host: str(o?.host),
    version: str(o?.version),
    lastScanAt: ms(pick(o, 'lastScanAt')) ?? ms(last?.at),
    lastSuccessfulScanAt: ms(pick(o, 'lastSuccessAt', 'lastSuccessfulScanAt')),
    intervalMs: num(pick(o, 'intervalMs')),
    scanErrors: arr(pick(o, 'errors', 'scanErrors') ?? last?.errors)
      .map(obj)
      .filter((e): e is Json => e !== null)
      .map((e) => ({ at: ms(e.at) ?? ms(last?.at), stage: str(e.stage), message: str(e.message) ?? '?' })),
    remediationMode: mode,
    killAvailable: mode !== 'off' && ctx.killRoute,
    problems: ctx.problems,
  };
}

export function mapTarget(v: unknown): PageTarget | null {
  const t = obj(v);
  const name = str(t?.name);
  if (!t || name === null) return null;
  const proc = obj(t.process);
  const pid = num(t.pid) ?? num(proc?.pid);
  return {
    name,
    pid,
    startTimeMs: ms(pick(t, 'startTimeMs')) ?? ms(proc?.startTimeMs),
    up: bool(pick(t, 'up', 'found')) ?? pid !== null,
    user: str(t.user),
    cmdline: str(t.cmdline) ?? str(proc?.cmdline),
    processes: num(pick(t, 'processes', 'processCount')),
  };
}

export function mapChild(v: unknown): PageChild | null {
  const c = obj(v);
  if (!c) return null;
  const child = obj(c.child) ?? c;
  const target = obj(c.target);
  const pid = num(child.pid);
  if (pid === null) return null;
  return {
    target: str(target?.name) ?? str(c.target) ?? str(c.targetName) ?? '?',
    targetPid: num(target?.pid) ?? num(c.targetPid),
    pid,
    startTimeMs: ms(child.startTimeMs),
    classification: str(c.classification) ?? 'unknown',
    ageMs: num(c.ageMs),
    overdue: bool(c.overdue) ?? false,
    state: str(child.state) ?? str(child.stateCode),
    comm: str(child.comm),
    cmdline: str(child.cmdline),
    depth: num(c.depth),
    incidentId: str(c.incidentId) ?? str(obj(c.incident)?.id),
  };
}
