import type { BalancerStatsDto, DiagnosticsDto } from '../../api/index.js';
import { BALANCER_STATS_PATH, DIAGNOSTICS_PATH, balancerFindings, sortFindings } from '../../api/index.js';
import { clusterAccess, requestCluster } from './cluster-access.js';

/**
 * `flotilla-node doctor --cluster`: the cluster check as GET /api/cluster/diagnostics reports it (any
 * node gathers every node's self-check), plus the built-in balancer's view when --balancer-url is given.
 * Exit code 1 when any finding is an error.
 */
export async function clusterDoctor(args: Record<string, string | boolean | undefined>): Promise<number> {
  const { url, apiKey } = await clusterAccess('doctor --cluster', args);
  const report = (await (await requestCluster(url, DIAGNOSTICS_PATH, apiKey)).json()) as DiagnosticsDto;
  const balancerUrl = args['balancer-url'] as string | undefined;
  if (balancerUrl) {
    const response = await requestCluster(balancerUrl, BALANCER_STATS_PATH, apiKey);
    const stats = (await response.json()) as BalancerStatsDto;
    report.findings = sortFindings([...report.findings, ...balancerFindings(report.nodes, stats)]);
  }
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`Cluster check by ${report.servedBy} at ${report.at}`);
    for (const node of report.nodes)
      console.log(
        `  ${node.name.padEnd(16)} ${node.state.padEnd(9)} ${node.selfCheck?.version ?? node.version}`,
      );
    const { queue, leader } = report;
    const oldest =
      queue.oldestQueuedAgeMs === null ? '' : `, oldest ${Math.round(queue.oldestQueuedAgeMs / 1000)} s`;
    console.log(
      `  queue: ${queue.queued} queued${oldest}, ${queue.executing} executing${queue.paused ? ', paused' : ''}`,
    );
    console.log(`  leader: ${leader.node ?? 'none'}`);
    console.log(report.findings.length === 0 ? '\nNo findings.' : `\n${report.findings.length} finding(s):`);
    for (const finding of report.findings) {
      console.log(
        `${finding.severity.toUpperCase().padEnd(8)} [${finding.check}] ${finding.nodes.join(', ')}`,
      );
      console.log(`         ${finding.meaning}`);
      console.log(`         Fix: ${finding.fix}`);
    }
  }
  return report.findings.some((finding) => finding.severity === 'error') ? 1 : 0;
}
