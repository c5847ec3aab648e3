/**
 * The status page as a Fastify plugin (encapsulated: its headers hook touches
 * only its own routes). Registered on the daemon's server by the status-page
 * extension (extension.ts):
 *
 *   GET /                              overview (server-rendered, readable without JS)
 *   GET /incidents/:id                 one incident (the link Slack sends)
 *   GET /page/fragment/overview        the overview's refreshed region (HTML fragment)
 *   GET /page/fragment/incidents/:id   the incident page's refreshed region
 *   GET /page/assets/page-<hash>.css|js
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { ASSETS } from '../expose/html/assets.js';
import { SECURITY_HEADERS } from '../expose/html/headers.js';
import { html } from '../expose/html/html.js';
import { sharedRender, type SharedRender } from './shared-render.js';
import type { PageStatus } from './model.js';
import { createApiSource, type ApiSourceOptions, type PageSource } from './source.js';
import { renderIncidentFragment, renderIncidentPage } from './views/incident.js';
import { renderDocument } from './views/layout.js';
import { renderOverviewFragment, renderOverviewPage, OVERVIEW_FRAGMENT_PATH } from './views/overview.js';

export interface StatusPageOptions extends ApiSourceOptions {
  /** Where the data comes from; default: this server's own JSON API. */
  source?: PageSource;
}

const IdParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['id'],
} as const;

const HTML = 'text/html; charset=utf-8';
/**
 * How long one overview render serves every request, unless a scan finished or a write request (a kill) came
 * meanwhile: at the default interval (15 s) one render per tick. Its relative times ("12 s ago", each with its
 * absolute time as title) may be that much behind. A render's garbage (~40 ms of in-process API reads, JSON and
 * HTML) lives across scavenges and is promoted: under a flood of page views, one render a second grew V8's old
 * space ~2 MB/s and each major GC's compaction briefly took 20-25 MB more RSS (bench/RESULTS.md "http GET load").
 */
export const OVERVIEW_MAX_AGE_MS = 15_000;

export const statusPage: FastifyPluginAsync<StatusPageOptions> = async (app, opts) => {
  const source = opts.source ?? createApiSource(app, opts);
  // Callback style: no promise per response (a flood's refusals pass here too).
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.headers(SECURITY_HEADERS);
    done(null, payload);
  });
  registerAssets(app);

  const shared = {
    maxAgeMs: OVERVIEW_MAX_AGE_MS,
    version: () => `${opts.status?.().lastScanAt ?? 'none'} ${app.writesDone?.() ?? 0}`,
  };
  // Encoded once per render: every response then writes the same bytes (a string body is encoded into a fresh
  // native buffer per response, ~190 KB with 1,000 open incidents, and those copies are what grew the RSS under a flood).
  const overviewPage = sharedRender(async () => Buffer.from(renderOverviewPage(await source.overview())), shared);
  const overviewFragment = sharedRender(
    async () => Buffer.from(renderOverviewFragment(await source.overview()).value),
    shared,
  );
  app.get('/', (_req, reply) => sendShared(reply, overviewPage));
  app.get(OVERVIEW_FRAGMENT_PATH, (_req, reply) => sendShared(reply, overviewFragment));

  app.get<{ Params: { id: string } }>('/incidents/:id', { schema: { params: IdParams } }, async (req, reply) => {
    const data = await source.incident(req.params.id);
    if (!data) return sendNotFound(reply, req.params.id, (await source.overview()).status);
    return sendHtml(reply, renderIncidentPage(data));
  });
  app.get<{ Params: { id: string } }>(
    '/page/fragment/incidents/:id',
    { schema: { params: IdParams } },
    async (req, reply) => {
      const data = await source.incident(req.params.id);
      if (!data)
        return sendHtml(
          reply.code(404),
          html`<p class="warn">Incident ${req.params.id} is not known (pruned after retention?).</p>`.value,
        );
      return sendHtml(reply, renderIncidentFragment(data).value);
    },
  );
};

function registerAssets(app: FastifyInstance): void {
  for (const asset of Object.values(ASSETS)) {
    app.get(asset.path, async (_req, reply) =>
      reply.type(asset.contentType).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body),
    );
  }
}

/** Content type and caching of every page answer, with the security headers: one headers() call per answer. */
const HTML_HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  'content-type': HTML,
  'cache-control': 'no-store',
};

function sendHtml(reply: FastifyReply, body: string | Buffer): FastifyReply {
  return reply.headers(HTML_HEADERS).send(body);
}

/** The kept render sent at once, without a promise (a flood on `/` is mostly this); else after the render. */
function sendShared(reply: FastifyReply, render: SharedRender<Buffer>): FastifyReply | Promise<FastifyReply> {
  const kept = render.kept();
  return kept ? sendHtml(reply, kept) : render().then((body) => sendHtml(reply, body));
}

function sendNotFound(reply: FastifyReply, id: string, status: PageStatus): FastifyReply {
  const content = html`<h1>Unknown incident</h1><p>No incident <code>${id}</code> here: it may have been pruned after the retention period, or the link is from another host.</p><p><a href="/">All incidents</a></p>`;
  return sendHtml(reply.code(404), renderDocument({ title: 'Unknown incident — forkwatch', status, content }));
}
