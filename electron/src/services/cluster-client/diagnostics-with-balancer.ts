import type { DiagnosticsDto } from '@flotilla/server-node/api';
import { balancerFindings, sortFindings } from '@flotilla/server-node/api';
import type { BalancerReader } from './balancer-stats.js';
import type { ClusterApi } from './cluster-api.js';

/**
 * The cluster check as the console shows it: the cluster's own report (GET /api/cluster/diagnostics),
 * plus what only the balancer knows — read here because the nodes cannot know which balancer fronts them
 * (HAProxy is read over its Runtime API, maybe on another host).
 */
export async function diagnosticsWithBalancer(
  api: ClusterApi,
  balancer: BalancerReader,
): Promise<DiagnosticsDto> {
  const [report, read] = await Promise.all([
    api.diagnostics(),
    balancer.stats().then(
      (stats) => ({ stats, error: null }),
      (error: unknown) => ({ stats: null, error: error instanceof Error ? error.message : String(error) }),
    ),
  ]);
  const extra = read.stats
    ? balancerFindings(report.nodes, read.stats)
    : read.error
      ? [
          {
            check: 'balancer-unreadable',
            severity: 'warning' as const,
            nodes: [],
            meaning: `The console cannot read the balancer (${balancer.kind}): ${read.error}`,
            fix: 'Check the balancer settings in the Load balancer view; until then the balancer is not checked.',
          },
        ]
      : [];
  return { ...report, findings: sortFindings([...report.findings, ...extra]) };
}
