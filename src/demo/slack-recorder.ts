/**
 * A local stand-in for a Slack incoming webhook: the daemon posts its
 * message here, the demo prints it; nothing leaves the machine. Bodies are
 * capped; every request is answered 200 "ok" as Slack does.
 */
import { createServer, type Server } from 'node:http';

const MAX_BODY = 256 * 1024;

export interface SlackRecorder {
  url: string;
  close(): Promise<void>;
}

export async function startSlackRecorder(onMessage: (payload: { text?: string }) => void): Promise<SlackRecorder> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      try {
        const json: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (json && typeof json === 'object') onMessage(json as { text?: string });
      } catch {
        // not JSON: nothing to show
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/services/T0DEMO/B0DEMO/forkwatch-demo`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port free on loopback right now (for the daemon's listen and publicUrl). */
export async function freeLoopbackPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
