import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import httpProxy from 'http-proxy';
import type { Logger } from 'pino';
import type { ErrorDto } from '../api/index.js';
import type { Db } from '../sql/db.js';
import { BALANCER_ADMIN_PREFIX, handleAdminRequest, sendJson } from './balancer-admin.js';
import type { BalancerMember } from './balancer-member.js';
import type { BalancerMembers } from './balancer-members.js';
import { MemberPicker } from './member-picker.js';

/** Safe to send twice: an attempt that broke may have reached the node, and repeating it changes nothing. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Failures to connect: the request never left the balancer, so any method may go to another node. */
const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);
/** The connection broke before an answer came (a node killed mid-request, a stale kept-alive socket). */
const CONNECTION_LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);
/** Bodies up to this size are kept so the request can be sent again; larger ones stream through once. */
const MAX_REPLAY_BYTES = 1024 * 1024;
/** On shutdown, requests in flight get this long to finish; streams (SSE, WebSocket) are then cut. */
const CLOSE_GRACE_MS = 2000;

interface ProxiedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The request body, to send again on a retry; null when it streamed through (one attempt only). */
  body: Buffer | null;
  tried: Set<string>;
  attempt: number;
  member: BalancerMember | null;
  /** The current attempt's node started answering: from then on a failure cannot be retried. */
  responded: boolean;
}

/**
 * The HTTP side of the balancer: least-connections over the members that may take requests, a retry on
 * another member when a node fails before answering (any method if it never connected, idempotent ones
 * otherwise), and WebSocket / SSE streams passed through unbuffered and without a timeout.
 */
export class BalancerServer {
  private readonly server = http.createServer();
  private readonly proxy = httpProxy.createProxyServer({});
  /** Kept-alive connections to the nodes: no handshake per request and no pile of TIME_WAIT sockets under load. */
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly picker = new MemberPicker();
  private readonly requests = new WeakMap<IncomingMessage, ProxiedRequest>();
  /** Upgraded (WebSocket) client sockets, which the HTTP server no longer tracks, to close on shutdown. */
  private readonly upgraded = new Set<Socket>();

  constructor(
    private readonly members: BalancerMembers,
    private readonly db: Db,
    private readonly log: Logger,
  ) {
    this.server.on('request', (req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    this.proxy.on('proxyRes', (proxyRes, req, res) => this.onProxyResponse(proxyRes, req, res));
    // Failures reach the callback given with each request; this only keeps a stray one from crashing us.
    this.proxy.on('error', (error) => this.log.warn({ err: error.message }, 'proxy error'));
  }

  /** Resolves once listening; rejects with the bind error (EADDRINUSE, EACCES). */
  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const grace = setTimeout(() => {
      this.server.closeAllConnections();
      for (const socket of this.upgraded) socket.destroy();
    }, CLOSE_GRACE_MS);
    for (const socket of this.upgraded) socket.end();
    await closed;
    clearTimeout(grace);
    this.agent.destroy();
    this.proxy.close();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (req.url?.startsWith(BALANCER_ADMIN_PREFIX)) {
      void handleAdminRequest(req, res, this.members, this.db, this.log);
      return;
    }
    this.proxyRequest(req, res).catch((error: unknown) => {
      // A client that went away while sending its body is not an error of ours.
      if (req.destroyed || res.destroyed) return;
      this.log.error({ err: error }, 'proxying a request failed');
      if (res.headersSent) res.destroy();
      else sendError(res, 500, 'Internal error in the balancer; see its log.');
    });
  }

  private async proxyRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readReplayableBody(req);
    addForwardedFor(req);
    const request: ProxiedRequest = {
      req,
      res,
      body,
      tried: new Set(),
      attempt: 0,
      member: null,
      responded: false,
    };
    this.requests.set(req, request);
    this.forward(request);
  }

  /** Sends the request to the best member not tried yet. */
  private forward(request: ProxiedRequest): void {
    const member = this.picker.pick(this.members.list(), request.tried);
    if (!member) {
      if (request.tried.size === 0) {
        sendError(
          request.res,
          503,
          'No Flotilla node can take requests right now: all are down, draining or in maintenance. ' +
            'Check the nodes (flotilla-node doctor, or the console) and try again.',
        );
      } else {
        sendError(request.res, 502, `Every node tried failed (${[...request.tried].join(', ')}). Try again.`);
      }
      return;
    }
    request.tried.add(member.name);
    request.member = member;
    request.responded = false;
    const attempt = ++request.attempt;
    const end = member.begin();
    request.res.once('close', end);
    const { body } = request;
    if (body) member.bytesIn += body.length;
    this.proxy.web(
      request.req,
      request.res,
      {
        target: member.url,
        agent: this.agent,
        // A fresh stream of the kept body for every attempt; without one, http-proxy pipes the request itself.
        ...(body ? { buffer: Readable.from(body.length > 0 ? [body] : []) } : {}),
      },
      (error) => {
        end();
        this.onProxyError(request, attempt, member, error);
      },
    );
    // Counted after http-proxy has piped the body: a 'data' listener added earlier would start the flow too soon.
    if (!body) request.req.on('data', (chunk: Buffer) => (member.bytesIn += chunk.length));
  }

  private onProxyError(request: ProxiedRequest, attempt: number, member: BalancerMember, error: Error): void {
    // A late error from an attempt already given up on, or a client that is gone: nothing to answer.
    if (attempt !== request.attempt || request.res.destroyed) return;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const notConnected = NOT_CONNECTED_CODES.has(code);
    if (notConnected) this.markDown(member, code);
    // The node answered in full and then dropped the rest of a body it did not want (a 413): that is its answer.
    if (request.res.writableEnded) return;
    if (request.responded || request.res.headersSent) {
      // Half an answer cannot be finished by another node: break the client's connection so it knows.
      request.res.destroy();
      return;
    }
    const method = request.req.method ?? 'GET';
    const retry =
      request.body !== null &&
      (notConnected || (IDEMPOTENT_METHODS.has(method) && CONNECTION_LOST_CODES.has(code)));
    if (retry) {
      this.log.debug({ member: member.name, code, method, url: request.req.url }, 'retrying on another node');
      this.forward(request);
      return;
    }
    this.log.warn(
      { member: member.name, code, method, url: request.req.url },
      'node failed before answering',
    );
    sendError(
      request.res,
      502,
      `Node ${member.name} failed before answering (${code || error.message}). ` +
        (IDEMPOTENT_METHODS.has(method) || notConnected
          ? 'Try again.'
          : 'The request was not repeated because it may have taken effect: check, then retry.'),
    );
  }

  private onProxyResponse(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const request = this.requests.get(req);
    const member = request?.member;
    if (!request || !member) return;
    request.responded = true;
    member.lastAnsweredAt = Date.now();
    // The client left while the node was still working on it: drop the answer and free the connection.
    if (res.destroyed) {
      proxyRes.destroy();
      return;
    }
    proxyRes.on('data', (chunk: Buffer) => (member.bytesOut += chunk.length));
    // A node that dies mid-answer: end the client's response too, or it would wait for the rest forever.
    proxyRes.once('close', () => {
      if (!proxyRes.complete) res.destroy();
    });
    // A client that leaves mid-answer (a console closing its event stream): release the node's side at once.
    res.once('close', () => {
      if (!proxyRes.complete) proxyRes.destroy();
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const member = this.picker.pick(this.members.list());
    if (!member) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    addForwardedFor(req);
    const end = member.begin();
    this.upgraded.add(socket);
    socket.once('close', () => {
      end();
      this.upgraded.delete(socket);
      member.bytesIn += socket.bytesRead;
      member.bytesOut += socket.bytesWritten;
    });
    this.proxy.ws(req, socket, head, { target: member.url }, (error) => {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (NOT_CONNECTED_CODES.has(code)) this.markDown(member, code);
      this.log.warn({ member: member.name, code, url: req.url }, 'WebSocket connection to a node failed');
      // http-proxy ends the socket after this; before the handshake the client deserves a status line.
      if (socket.bytesWritten === 0) {
        socket.write('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      }
    });
  }

  /** The passive check: a refused connection proves the node is gone, so the next requests skip it at once. */
  private markDown(member: BalancerMember, code: string): void {
    if (member.health.status === 'down') return;
    member.health.markDown();
    this.log.warn({ member: member.name, code }, 'member refused a connection: marked down');
  }
}

/** The request body if it is small enough to keep for a retry; null if it must stream through once. */
async function readReplayableBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunked = req.headers['transfer-encoding'] !== undefined;
  const length = Number(req.headers['content-length'] ?? 0);
  if (!chunked && length === 0) return Buffer.alloc(0);
  if (chunked || !Number.isSafeInteger(length) || length > MAX_REPLAY_BYTES) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Tells the node who the client is, as HAProxy's `option forwardfor` does. */
function addForwardedFor(req: IncomingMessage): void {
  const client = req.socket.remoteAddress ?? '';
  const previous = req.headers['x-forwarded-for'];
  req.headers['x-forwarded-for'] = previous ? `${String(previous)}, ${client}` : client;
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (status === 503) res.setHeader('retry-after', '1');
  sendJson(res, status, { error: message } satisfies ErrorDto);
}
