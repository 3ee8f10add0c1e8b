import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  DIAGNOSTICS_PATH,
  NODE_SELF_CHECK_ROUTE,
  SUPPORT_BUNDLE_PATH,
  nodeSelfCheckPath,
} from '../../api/diagnostics.js';
import type { NodeSelfCheckDto, SupportBundleRequest } from '../../api/diagnostics.js';
import { buildSupportBundle } from '../../support/build-support-bundle.js';
import { ACTION_ROLES } from '../../api/roles.js';
import { askPeer } from '../../diagnostics/ask-peer.js';
import { peerCredentials, refuseSecondHop } from '../../diagnostics/peer-credentials.js';
import { gatherDiagnostics } from '../../diagnostics/gather-diagnostics.js';
import { selfCheck } from '../../diagnostics/self-check.js';
import { getNode } from '../../sql/node-rows.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { RouteContext } from '../route-context.js';

const nodeParams = z.object({ name: z.string().min(1).max(200) });

const balancerServer = z.object({
  name: z.string().max(200),
  address: z.string().max(300),
  adminState: z.enum(['ready', 'drain', 'maint']),
  checkStatus: z.enum(['up', 'down', 'going-up', 'going-down', 'unchecked']),
  currentSessions: z.number(),
  requestRate: z.number(),
  totalRequests: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  lastChangeSeconds: z.number().nullable(),
});
const supportBundleBody = z
  .object({
    balancer: z
      .object({
        kind: z.enum(['builtin', 'haproxy']),
        backend: z.string().max(200),
        servers: z.array(balancerServer).max(1000),
        at: z.string().max(100),
      })
      .nullable()
      .optional(),
  })
  .strict() satisfies z.ZodType<SupportBundleRequest>;

export function diagnosticsRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  const role = ACTION_ROLES['cluster.diagnostics'];

  app.get(DIAGNOSTICS_PATH, { config: { role } }, async (request) =>
    gatherDiagnostics(runtime, peerCredentials(request, runtime.name)),
  );

  app.post(
    SUPPORT_BUNDLE_PATH,
    { config: { role: ACTION_ROLES['cluster.supportBundle'] } },
    async (request, reply) => {
      const body = parseOr400(supportBundleBody, request.body ?? {}, 'request body');
      const zip = await buildSupportBundle(
        runtime,
        peerCredentials(request, runtime.name),
        body.balancer ?? null,
      );
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="flotilla-support-${stamp}.zip"`)
        .send(zip);
    },
  );

  // Any node answers for any node: its own check at once, another's by asking that node.
  app.get(NODE_SELF_CHECK_ROUTE, { config: { role } }, async (request) => {
    const { name } = parseOr400(nodeParams, request.params, 'path');
    if (name === runtime.name) return selfCheck(runtime);
    refuseSecondHop(request, name, runtime.name);
    const node = await getNode(runtime.pool, name);
    if (!node) throw new HttpError(404, `No node named '${name}'.`);
    const answer = await askPeer<NodeSelfCheckDto>(
      node.url,
      nodeSelfCheckPath(name),
      peerCredentials(request, runtime.name),
    );
    if (answer.error !== null)
      throw new HttpError(
        502,
        `${name} did not answer at ${node.url} (${answer.error}); it is ${node.state}.`,
      );
    return answer.body;
  });
}
