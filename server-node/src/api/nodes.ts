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
