import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { InvokeHandlers, PushContract, PushEvent } from '../common/contract.js';
import { isInvokeChannel } from '../common/contract.js';
import { settle } from '../common/wire-error.js';
import type { InvokeReply, InvokeRequest, ServerMessage } from '../common/ws-protocol.js';
import { WS_PATH } from '../common/ws-protocol.js';
import { serveStatic } from './static-files.js';

export interface WebHostOptions {
  /** The built renderer (renderer/dist). */
  rendererDir: string;
  handlers: InvokeHandlers;
  /** 0: any free port. Always on 127.0.0.1: the console is one user's, never a network service. */
  port?: number;
}

/**
 * The console in a browser: serves the built UI and the same contract as Electron IPC over a
 * WebSocket, on loopback only, behind a random token that changes every run. The token is only in
 * the URL printed for the admin, so other local users' browsers and web pages cannot drive it.
 */
export class WebHost {
  readonly token = randomBytes(24).toString('base64url');
  private readonly server = http.createServer();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly clients = new Set<WebSocket>();
  private port = 0;

  constructor(private readonly options: WebHostOptions) {
    this.server.on('request', (req, res) => {
      void serveStatic(path.resolve(options.rendererDir), req, res, this.csp()).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (!this.allowed(req)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onClient(ws));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.url;
  }

  /** The address to open, token included. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/?token=${this.token}`;
  }

  push<E extends PushEvent>(event: E, payload: PushContract[E]): void {
    const text = JSON.stringify({ event, payload } satisfies ServerMessage);
    for (const client of this.clients) if (client.readyState === client.OPEN) client.send(text);
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Right path, right token, and a Host and Origin that are this server (no DNS-rebinding page can pass). */
  private allowed(req: http.IncomingMessage): boolean {
    const url = new URL(req.url ?? '/', 'http://host');
    if (url.pathname !== WS_PATH) return false;
    const given = Buffer.from(url.searchParams.get('token') ?? '');
    const expected = Buffer.from(this.token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    const hosts = [`127.0.0.1:${this.port}`, `localhost:${this.port}`];
    if (!hosts.includes(req.headers.host ?? '')) return false;
    const origin = req.headers.origin;
    return origin === undefined || hosts.some((host) => origin === `http://${host}`);
  }

  private onClient(ws: WebSocket): void {
    this.clients.add(ws);
    ws.on('close', () => this.clients.delete(ws));
    ws.on('message', (data) => {
      void this.onMessage(ws, rawText(data));
    });
  }

  private async onMessage(ws: WebSocket, text: string): Promise<void> {
    let request: InvokeRequest;
    try {
      request = JSON.parse(text) as InvokeRequest;
    } catch {
      return;
    }
    if (typeof request.id !== 'number') return;
    const reply: InvokeReply = { id: request.id, ...(await this.invoke(request)) };
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
  }

  private invoke(request: InvokeRequest) {
    return settle(() => {
      if (!isInvokeChannel(request.channel)) throw new Error(`Unknown channel '${String(request.channel)}'.`);
      const handler = this.options.handlers[request.channel] as (...args: unknown[]) => Promise<unknown>;
      return handler(...(Array.isArray(request.args) ? request.args : []));
    });
  }

  private csp(): string {
    return [
      "default-src 'self'",
      `connect-src 'self' ws://127.0.0.1:${this.port} ws://localhost:${this.port}`,
      // Fluent UI writes its styles at run time (Griffel).
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "frame-ancestors 'none'",
    ].join('; ');
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (data instanceof ArrayBuffer ? Buffer.from(new Uint8Array(data)) : data).toString('utf8');
}
