import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { ErrorDto, PingDto } from '../api/index.js';
import { MIGRATION_MAINTENANCE_REASON, NODE_PING_PATH, maintenanceMessage } from '../api/index.js';
import type { NodeConfig } from '../config/node-config.js';
import { escapeHtml } from '../portal/html.js';
import { VERSION } from '../version.js';
import { writeFileAtomic } from './atomic-file.js';
import type { ResponderRecord } from './port-handoff.js';
import { HANDOFF_PATH, HANDOFF_TOKEN_HEADER, responderFile } from './port-handoff.js';

const RETRY_AFTER_SECONDS = 5;

function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * What answers on the node's address while the node is stopped in the switch's window: 503 with
 * `maintenance: migration in progress` and Retry-After for every request (an HTML page with the banner
 * for browsers), 503 for the balancer's ping, until the node takes the port back (port-handoff.ts).
 */
export class WindowResponder {
  answered = 0;
  private readonly server: http.Server;
  private readonly token = randomBytes(24).toString('base64url');
  private closed = false;
  /** Resolves when a starting node has taken the port over. */
  readonly handedOver: Promise<void>;
  private resolveHandedOver!: () => void;

  private constructor(
    private readonly home: string,
    private readonly config: NodeConfig,
  ) {
    this.handedOver = new Promise((resolve) => (this.resolveHandedOver = resolve));
    this.server = http.createServer((request, response) => this.answer(request, response));
  }

  /** Starts answering on the node's address; null when the address is taken (by the node or anyone else). */
  static async start(home: string, config: NodeConfig): Promise<WindowResponder | null> {
    const responder = new WindowResponder(home, config);
    const listening = await new Promise<boolean>((resolve) => {
      responder.server.once('error', () => resolve(false));
      responder.server.listen(config.listen.port, config.listen.host, () => resolve(true));
    });
    if (!listening) return null;
    const record: ResponderRecord = {
      pid: process.pid,
      url: `http://${loopbackFor(config.listen.host)}:${config.listen.port}`,
      token: responder.token,
    };
    await writeFileAtomic(responderFile(home), JSON.stringify(record) + '\n');
    return responder;
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    response.setHeader('x-flotilla-node', this.config.name);
    response.setHeader('connection', 'close');
    if (request.method === 'POST' && request.url === HANDOFF_PATH) {
      if (request.headers[HANDOFF_TOKEN_HEADER] !== this.token) {
        response.writeHead(403).end();
        return;
      }
      // Stop listening first (the node is binding again and again meanwhile), then answer.
      void this.close().then(() => {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"released":true}');
        this.resolveHandedOver();
      });
      return;
    }
    this.answered++;
    response.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    response.setHeader('cache-control', 'no-store');
    const message = maintenanceMessage(MIGRATION_MAINTENANCE_REASON);
    if (request.url === NODE_PING_PATH) {
      const body: PingDto = { name: this.config.name, state: 'stopping', version: VERSION };
      response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if ((request.headers.accept ?? '').includes('text/html')) {
      response
        .writeHead(503, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Maintenance · Flotilla</title>` +
            `<meta http-equiv="refresh" content="${RETRY_AFTER_SECONDS}"></head><body>` +
            `<div role="status"><strong>Maintenance: ${escapeHtml(MIGRATION_MAINTENANCE_REASON)}.</strong> ` +
            `Flotilla is moving to its new database; this page reloads in a few seconds.</div></body></html>`,
        );
      return;
    }
    const body: ErrorDto = { error: message };
    response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  /** Stops answering (idempotent); requests in flight finish. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await rm(responderFile(this.home), { force: true });
    // The listening socket is released at once; the connections still open (this very hand-over
    // request among them, and any accepted whose request is still on its way) end by themselves,
    // as every answer says `connection: close`.
    this.server.close();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
