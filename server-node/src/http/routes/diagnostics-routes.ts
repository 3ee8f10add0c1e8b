import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DIAGNOSTICS_PATH, NODE_SELF_CHECK_ROUTE, nodeSelfCheckPath } from '../../api/diagnostics.js';
import type { NodeSelfCheckDto } from '../../api/diagnostics.js';
import { ACTION_ROLES } from '../../api/roles.js';
import { askPeer } from '../../diagnostics/ask-peer.js';
import { peerCredentials } from '../../diagnostics/peer-credentials.js';
import { gatherDiagnostics } from '../../diagnostics/gather-diagnostics.js';
import { selfCheck } from '../../diagnostics/self-check.js';
import { getNode } from '../../sql/node-rows.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { RouteContext } from '../route-context.js';

const nodeParams = z.object({ name: z.string().min(1).max(200) });

export function diagnosticsRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  const role = ACTION_ROLES['cluster.diagnostics'];

  app.get(DIAGNOSTICS_PATH, { config: { role } }, async (request) =>
    gatherDiagnostics(runtime, peerCredentials(request)),
  );

  // Any node answers for any node: its own check at once, another's by asking that node.
  app.get(NODE_SELF_CHECK_ROUTE, { config: { role } }, async (request) => {
    const { name } = parseOr400(nodeParams, request.params, 'path');
    if (name === runtime.name) return selfCheck(runtime);
    const node = await getNode(runtime.pool, name);
    if (!node) throw new HttpError(404, `No node named '${name}'.`);
    const answer = await askPeer<NodeSelfCheckDto>(
      node.url,
      nodeSelfCheckPath(name),
      peerCredentials(request),
    );
    if (answer.error !== null)
      throw new HttpError(
        502,
        `${name} did not answer at ${node.url} (${answer.error}); it is ${node.state}.`,
      );
    return answer.body;
  });
}
