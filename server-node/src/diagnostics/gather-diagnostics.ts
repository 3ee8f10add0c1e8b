import type { DiagnosticsDto, DiagnosticsNodeDto, NodeSelfCheckDto } from '../api/diagnostics.js';
import { nodeSelfCheckPath, sortFindings } from '../api/diagnostics.js';
import type { NodeRuntime } from '../node/node-runtime.js';
import { readLeaseView, readQueueView, readStrandedTasks } from '../sql/diagnostic-rows.js';
import { listNodes } from '../sql/node-rows.js';
import { clusterFindings } from './cluster-findings.js';
import { askPeer } from './ask-peer.js';
import { selfCheck } from './self-check.js';

/**
 * The cluster check: every live node's self-check (this node's own at once, each peer's over HTTP with
 * the caller's credentials, in parallel) and the cluster's rows, turned into findings.
 */
export async function gatherDiagnostics(
  runtime: NodeRuntime,
  credentials: Record<string, string>,
): Promise<DiagnosticsDto> {
  const [nodes, queue, lease, stranded] = await Promise.all([
    listNodes(runtime.pool),
    readQueueView(runtime.pool),
    readLeaseView(runtime.pool),
    readStrandedTasks(runtime.pool),
  ]);
  const reports: DiagnosticsNodeDto[] = await Promise.all(
    nodes.map(async (node) => {
      const base = {
        name: node.name,
        url: node.url,
        state: node.state,
        version: node.version,
        lastSeenAgeMs: node.lastSeenAgeMs,
      };
      if (node.state !== 'running' && node.state !== 'draining')
        return { ...base, selfCheck: null, unreachable: null };
      if (node.name === runtime.name)
        return { ...base, selfCheck: await selfCheck(runtime), unreachable: null };
      const answer = await askPeer<NodeSelfCheckDto>(node.url, nodeSelfCheckPath(node.name), credentials);
      return { ...base, selfCheck: answer.body, unreachable: answer.error };
    }),
  );
  const view = { nodes: reports, queue, lease, stranded, sharedDir: runtime.sharedDir };
  return {
    at: new Date().toISOString(),
    servedBy: runtime.name,
    nodes: reports,
    queue,
    leader: {
      node: lease.node,
      expiresInMs: lease.expiresInMs,
      renewedAgoMs: lease.expiresInMs === null ? null : runtime.settings.leaderTtlMs - lease.expiresInMs,
    },
    findings: sortFindings(clusterFindings(view)),
  };
}
