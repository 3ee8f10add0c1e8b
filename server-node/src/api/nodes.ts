// The node routes (server-node/src/http/routes/node-routes.ts): their paths, which the routes
// register and the console's cluster client builds its URLs with, and what they take.

/** GET → NodeDto[]. */
export const NODES_PATH = '/api/nodes';

/**
 * GET, no API key: 200 PingDto while the node serves; 503 while it starts, drains, stops or is fenced, and
 * while it cannot serve (database unreachable, pool exhausted, shared folder unusable), with the reason.
 */
export const NODE_PING_PATH = '/api/nodes/ping';

/** GET → NodeDto · PATCH UpdateNodeRequest → NodeDto · DELETE → 204 (offline or dead nodes only). */
export const NODE_ROUTE = '/api/nodes/:name';
export const nodePath = (name: string): string => `${NODES_PATH}/${encodeURIComponent(name)}`;

/** PATCH /api/nodes/:name: at least one of the two. */
export interface UpdateNodeRequest {
  drain?: boolean | undefined;
  /** 0 (a UI-only node) to 1000. */
  taskCap?: number | undefined;
}

/**
 * GET → text/plain, the node's own log (pino JSON lines, secrets redacted by the logger): the last `lines`
 * (default 200, at most 5000), then with `follow=1` what it writes next, until the client lets go. Any node
 * answers for any node by forwarding to the owner (administrator).
 */
export const NODE_LOG_ROUTE = '/api/nodes/:name/log';
export const nodeLogPath = (name: string, query: { lines?: number; follow?: boolean } = {}): string => {
  const params = new URLSearchParams();
  if (query.lines !== undefined) params.set('lines', String(query.lines));
  if (query.follow) params.set('follow', '1');
  const search = params.toString();
  return `${nodePath(name)}/log${search ? `?${search}` : ''}`;
};
