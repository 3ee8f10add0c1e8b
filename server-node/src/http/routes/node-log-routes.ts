import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NODE_LOG_ROUTE, nodeLogPath } from '../../api/nodes.js';
import { ACTION_ROLES } from '../../api/roles.js';
import { streamFromPeer } from '../../diagnostics/ask-peer.js';
import { peerCredentials, refuseSecondHop } from '../../diagnostics/peer-credentials.js';
import { nodeLogFile } from '../../logs/rotating-log-file.js';
import { readNodeLog } from '../../logs/read-node-log.js';
import { getNode } from '../../sql/node-rows.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { RouteContext } from '../route-context.js';
import { streamText } from '../stream-text.js';

const params = z.object({ name: z.string().min(1).max(200) });
const query = z
  .object({
    lines: z.coerce.number().int().min(1).max(5000).optional(),
    follow: z.enum(['0', '1', 'true', 'false']).optional(),
  })
  .strict();

/**
 * A node's own log file, through any node: the owner reads its file; any other node forwards the
 * request to the owner over HTTP (with the caller's credentials). Not the shared folder: a node whose
 * share is missing or foreign is the one whose log is needed most.
 */
export function nodeLogRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  app.get(NODE_LOG_ROUTE, { config: { role: ACTION_ROLES['nodes.log'] } }, async (request, reply) => {
    const { name } = parseOr400(params, request.params, 'path');
    const { lines = 200, follow } = parseOr400(query, request.query, 'query');
    const following = follow === '1' || follow === 'true';
    if (name === runtime.name) {
      const file = nodeLogFile(runtime.home);
      return streamText(request, reply, runtime.name, (signal) =>
        readNodeLog(file, { lines, follow: following, signal }),
      );
    }
    refuseSecondHop(request, name, runtime.name);
    const node = await getNode(runtime.pool, name);
    if (!node) throw new HttpError(404, `No node named '${name}'.`);
    const controller = new AbortController();
    request.raw.on('close', () => controller.abort());
    const path = nodeLogPath(name, { lines, follow: following });
    const peer = await streamFromPeer(
      node.url,
      path,
      peerCredentials(request, runtime.name),
      controller.signal,
    );
    if (peer.error !== null)
      throw new HttpError(502, `${name} did not answer at ${node.url} (${peer.error}); it is ${node.state}.`);
    if (!peer.response.ok) {
      const text = await peer.response.text();
      throw new HttpError(peer.response.status, `${name} answered: ${text.slice(0, 300)}`);
    }
    const body = peer.response.body as AsyncIterable<Uint8Array> | null;
    if (!body) return reply.type('text/plain; charset=utf-8').send('');
    return streamText(request, reply, runtime.name, () => body);
  });
}
