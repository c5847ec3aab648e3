/**
 * A Slack incoming-webhook stand-in: a real HTTP server on loopback that
 * records every request and answers as scripted: 200 "ok", 429 with
 * Retry-After, 500, a malformed (non-HTTP) response, or no response at all
 * (hang). It validates payloads as Slack does (invalid_payload, no_text,
 * invalid_blocks for more than 50 blocks or a section text over 3,000
 * characters), so a message that breaks a limit fails the test.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';

export type StandinReply =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; body?: string; retryAfter?: string }
  | { kind: 'malformed' }
  | { kind: 'hang' };

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Parsed JSON body, null when not JSON. */
  json: SlackPayload | null;
  /** What the stand-in answered. */
  reply: StandinReply['kind'] | number;
}

export interface SlackPayload {
  text?: string;
  blocks?: {
    type: string;
    text?: { type: string; text: string };
    fields?: { text: string }[];
    elements?: { text: string }[];
  }[];
}

export interface SlackStandin {
  /** The webhook URL (its path is the "secret", as in Slack's). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Replies used in order, then the default. */
  enqueue(...replies: StandinReply[]): void;
  setDefault(reply: StandinReply): void;
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Close, destroying hung connections too. */
  close(): Promise<void>;
}

export const WEBHOOK_PATH = '/services/T0FORKWATCH/B0STANDIN/s3cr3tWebh00kT0ken';

export async function startSlackStandin(opts: { port?: number; reply?: StandinReply } = {}): Promise<SlackStandin> {
  const requests: RecordedRequest[] = [];
  const queue: StandinReply[] = [];
  let fallback: StandinReply = opts.reply ?? { kind: 'ok' };
  const sockets = new Set<Socket>();
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const reply = queue.shift() ?? fallback;
      const json = parseJson(body);
      const rec: RecordedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json,
        reply: reply.kind,
      };
      requests.push(rec);
      for (const w of waiters.splice(0)) w();
      if (reply.kind === 'hang') return;
      if (reply.kind === 'malformed') {
        req.socket.end('HTTP/1.1 2OO NOT-A-STATUS\r\n\r\ngarbage\r\n');
        return;
      }
      if (reply.kind === 'status') {
        rec.reply = reply.status;
        res.writeHead(reply.status, {
          'content-type': 'text/plain',
          ...(reply.retryAfter ? { 'retry-after': reply.retryAfter } : {}),
        });
        res.end(reply.body ?? '');
        return;
      }
      const refusal = validateLikeSlack(req.url ?? '', json);
      rec.reply = refusal ? refusal.status : 200;
      res.writeHead(refusal?.status ?? 200, { 'content-type': 'text/plain' });
      res.end(refusal?.body ?? 'ok');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    port,
    requests,
    enqueue: (...r) => void queue.push(...r),
    setDefault: (r) => void (fallback = r),
    async waitForRequests(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < n) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`slack stand-in: ${requests.length} requests after ${timeoutMs} ms, wanted ${n}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => (clearTimeout(t), r()));
        });
      }
      return requests.slice(0, n);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function parseJson(body: string): SlackPayload | null {
  try {
    const v = JSON.parse(body) as unknown;
    return v && typeof v === 'object' ? (v as SlackPayload) : null;
  } catch {
    return null;
  }
}

/** Slack's own refusals for the cases forkwatch must never produce. */
function validateLikeSlack(path: string, p: SlackPayload | null): { status: number; body: string } | null {
  if (path !== WEBHOOK_PATH) return { status: 404, body: 'no_service' };
  if (!p) return { status: 400, body: 'invalid_payload' };
  if (!p.text && !p.blocks) return { status: 400, body: 'no_text' };
  const blocks = p.blocks ?? [];
  if (blocks.length > 50) return { status: 400, body: 'invalid_blocks' };
  for (const b of blocks) {
    if (b.type === 'section' && b.text && b.text.text.length > 3000) return { status: 400, body: 'invalid_blocks' };
    if (b.type === 'section' && b.fields && (b.fields.length > 10 || b.fields.some((f) => f.text.length > 2000)))
      return { status: 400, body: 'invalid_blocks' };
    if (b.type === 'header' && b.text && b.text.text.length > 150) return { status: 400, body: 'invalid_blocks' };
  }
  return null;
}
