/**
 * The operator docs, served by the daemon itself, so the alert rules'
 * runbook_url (`http://{{ $labels.instance }}/docs/operations#forkwatchhungchild`)
 * and the systemd unit's Documentation= resolve on an installed host:
 *
 *   GET /docs/                   an index of every doc
 *   GET /docs/NAME, NAME.md      one doc as HTML (headings carry GitHub's anchor ids)
 *   GET /docs/NAME.md?raw        the Markdown itself (also for Accept: text/markdown)
 *
 * The docs are the installed package's docs/ folder (beside dist/ and
 * signatures/). The names served are fixed at start from that folder's
 * regular *.md files: a request only ever selects one of them by exact name,
 * it never builds a path, so `..`, encoded slashes and anything unlisted is a
 * 404. Public text (no secrets in docs/), hence no token; the Host allow-list
 * and rate limits apply as to every route (server.ts), and the status page's
 * security headers (CSP without inline code) to every answer here.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ExtensionContext, ForkwatchApp } from '../../extension/context.js';
import { HttpError } from '../errors.js';
import { SECURITY_HEADERS } from '../html/headers.js';
import { ASSETS } from '../html/assets.js';
import { escapeAttr, escapeText } from '../html/html.js';
import { plainText, renderMarkdown } from './docs-markdown.js';
import { BoundedReadError, readFileBounded } from '../../util/read-file-bounded.js';

/** The package's docs/ (src/expose/routes or dist/expose/routes → the package root). */
export const SHIPPED_DOCS_DIR = fileURLToPath(new URL('../../../docs/', import.meta.url));
/** A doc larger than this is not served (ours are ~40 KB at most). */
export const MAX_DOC_BYTES = 1024 * 1024;
const DOC_NAME = /^([A-Za-z0-9][A-Za-z0-9_-]{0,100})\.md$/;

export interface DocEntry {
  /** Without .md: the URL is /docs/<name>. */
  name: string;
  file: string;
  title: string;
}

/** The docs served: regular files named like NAME.md in dir, read once for their titles. Missing dir: none. */
export function listDocs(dir: string): Map<string, DocEntry> {
  const docs = new Map<string, DocEntry>();
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return docs;
  }
  for (const fileName of names) {
    const m = DOC_NAME.exec(fileName);
    const file = join(dir, fileName);
    if (!m) continue;
    const st = lstatSync(file, { throwIfNoEntry: false });
    if (!st?.isFile() || st.size > MAX_DOC_BYTES) continue;
    docs.set(m[1]!, { name: m[1]!, file, title: m[1]! });
  }
  return docs;
}

export async function registerDocsRoutes(app: ForkwatchApp, ctx: ExtensionContext): Promise<void> {
  const docs = listDocs(SHIPPED_DOCS_DIR);
  if (docs.size === 0)
    ctx.logger.warn({ dir: SHIPPED_DOCS_DIR }, 'no docs to serve at /docs/ (the package has no docs/ folder)');
  await app.register(docsPlugin, { docs });
}

const HTML = 'text/html; charset=utf-8';

export const docsPlugin: FastifyPluginAsync<{ docs: Map<string, DocEntry> }> = async (app, { docs }) => {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
  const isDoc = (fileName: string): boolean => docs.has(fileName.replace(/\.md$/, ''));
  // Rendered once per doc, on first request (~3.5 ms for operations.md, measured on the 2-core CI box), then the same
  // bytes for every request: the names are a fixed allow-list, so this holds at most one page per file of docs/.
  const rendered = new Map<string, Buffer>();
  const page = async (entry: DocEntry): Promise<Buffer> => {
    let body = rendered.get(entry.name);
    if (!body)
      rendered.set(entry.name, (body = Buffer.from(renderPage(renderMarkdown(await readDoc(entry), isDoc), entry))));
    return body;
  };
  let indexPage: Buffer | null = null;
  const index = async (_req: FastifyRequest, reply: FastifyReply) =>
    sendHtml(reply, (indexPage ??= Buffer.from(renderIndex(await titled(docs)))));
  app.get('/docs', { schema: { hide: true } }, index);
  app.get(
    '/docs/',
    { schema: { tags: ['docs'], description: 'HTML index of the operator docs (the package docs/ folder); no token' } },
    index,
  );
  app.get<{ Params: { name: string }; Querystring: Record<string, string> }>(
    '/docs/:name',
    {
      schema: {
        tags: ['docs'],
        description:
          'One doc as HTML (GitHub anchor ids), or its Markdown with ?raw or Accept: text/markdown; 404 for a name not in docs/',
        params: { type: 'object', properties: { name: { type: 'string', maxLength: 200 } }, required: ['name'] },
      },
    },
    async (req, reply) => {
      const entry = docs.get(req.params.name.replace(/\.md$/, ''));
      if (!entry)
        throw new HttpError(404, `no doc ${JSON.stringify(req.params.name.slice(0, 64))}: the index is /docs/`);
      void reply.header('vary', 'Accept').header('cache-control', 'no-cache');
      if (wantsRaw(req)) return reply.type('text/markdown; charset=utf-8').send(await readDoc(entry));
      return sendHtml(reply, await page(entry));
    },
  );
};

/** The file as it is now, bounded, no symlink followed (the allow-list took regular files only). */
async function readDoc(entry: DocEntry): Promise<string> {
  try {
    return readFileBounded(entry.file, MAX_DOC_BYTES, { noFollow: true }).bytes.toString('utf8');
  } catch (err) {
    throw new HttpError(500, `doc ${entry.name}: ${err instanceof BoundedReadError ? err.message : String(err)}`);
  }
}

/** `?raw`, or an Accept that names text/markdown and not text/html (curl -H 'Accept: text/markdown'). */
function wantsRaw(req: FastifyRequest<{ Querystring: Record<string, string> }>): boolean {
  if (req.query && Object.hasOwn(req.query, 'raw')) return true;
  const accept = String(req.headers.accept ?? '')
    .slice(0, 1000)
    .toLowerCase();
  return accept.includes('text/markdown') && !accept.includes('text/html');
}

/** Each doc's title is its first heading, read when the index is asked for (the files are small). */
async function titled(docs: Map<string, DocEntry>): Promise<DocEntry[]> {
  return Promise.all(
    [...docs.values()].map(async (d) => {
      const first = /^#\s+(.{1,200})$/m.exec((await readDoc(d)).slice(0, 4096));
      return { ...d, title: first ? plainText(first[1]!.trim()) : d.name };
    }),
  );
}

function sendHtml(reply: FastifyReply, body: string | Buffer): FastifyReply {
  return reply.type(HTML).send(body);
}

function shell(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeText(title.slice(0, 200))}</title>
<link rel="icon" href="${escapeAttr(ASSETS.icon.path)}" type="image/svg+xml">
<link rel="stylesheet" href="${escapeAttr(ASSETS.css.path)}">
</head>
<body>
<header class="top"><a class="brand" href="/">forkwatch</a> <a href="/docs/">docs</a></header>
<main class="docs">
${body}
</main>
</body>
</html>
`;
}

function renderIndex(docs: DocEntry[]): string {
  const items = docs.map(
    (d) =>
      `<li><a href="/docs/${escapeAttr(d.name)}">${escapeText(d.title)}</a> <code>${escapeText(d.name)}.md</code> (<a href="/docs/${escapeAttr(d.name)}.md?raw">Markdown</a>)</li>`,
  );
  const runbook = docs.some((d) => d.name === 'operations')
    ? '<p>The alert runbook: <a href="/docs/operations#alert-runbook">operations — Alert runbook</a>.</p>\n'
    : '';
  const list =
    items.length > 0
      ? `<ul>\n${items.join('\n')}\n</ul>`
      : '<p>No docs are installed with this copy of forkwatch (its docs/ folder is missing).</p>';
  return shell('forkwatch docs', `<h1 id="forkwatch-docs">forkwatch docs</h1>\n${runbook}${list}`);
}

function renderPage(doc: ReturnType<typeof renderMarkdown>, entry: DocEntry): string {
  return shell(
    `${doc.title} — forkwatch docs`,
    `${doc.html}\n<p><a href="/docs/${escapeAttr(entry.name)}.md?raw">Markdown source</a> · <a href="/docs/">all docs</a></p>`,
  );
}
