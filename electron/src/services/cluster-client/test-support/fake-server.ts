import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServer {
  url: string;
  requests: http.IncomingMessage[];
  close(): Promise<void>;
}

/** A throwaway HTTP server on 127.0.0.1 standing in for a node or a balancer in the client's tests. */
export async function fakeServer(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<FakeServer> {
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function sseEvent(seq: number, type = 'node.state', data: Record<string, unknown> = {}): string {
  return `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify({ seq: String(seq), at: new Date().toISOString(), type, data })}\n\n`;
}
