import { readFile } from 'node:fs/promises';
import type { BalancerStatsDto, DiagnosticsDto } from '../../api/index.js';
import { BALANCER_STATS_PATH, DIAGNOSTICS_PATH, balancerFindings, sortFindings } from '../../api/index.js';
import { readNodeConfig } from '../../config/node-config.js';
import { UserError } from '../../user-error.js';

export interface ClusterDoctorOptions {
  home?: string | undefined;
  url?: string | undefined;
  apiKeyFile?: string | undefined;
  balancerUrl?: string | undefined;
  json: boolean;
}

/**
 * `flotilla-node doctor --cluster`: the cluster check as GET /api/cluster/diagnostics reports it (any
 * node gathers every node's self-check), plus the built-in balancer's view when --balancer-url is given.
 * Exit code 1 when any finding is an error.
 */
export async function clusterDoctor(options: ClusterDoctorOptions): Promise<number> {
  const url = options.url ?? (options.home ? (await readNodeConfig(options.home)).publicUrl : undefined);
  if (!url) throw new UserError('doctor --cluster needs --url URL (any node or the balancer) or --home DIR.');
  const apiKey = options.apiKeyFile
    ? (
        await readFile(options.apiKeyFile, 'utf8').catch(() => {
          throw new UserError(`Cannot read the API key file ${options.apiKeyFile}.`);
        })
      ).trim()
    : process.env.FLOTILLA_API_KEY;
  if (!apiKey)
    throw new UserError(
      'doctor --cluster needs an administrator API key: --api-key-file FILE or FLOTILLA_API_KEY.',
    );
  const report = await getJson<DiagnosticsDto>(url, DIAGNOSTICS_PATH, apiKey);
  if (options.balancerUrl) {
    const stats = await getJson<BalancerStatsDto>(options.balancerUrl, BALANCER_STATS_PATH, apiKey);
    report.findings = sortFindings([...report.findings, ...balancerFindings(report.nodes, stats)]);
  }
  if (options.json) {
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

async function getJson<T>(base: string, path: string, apiKey: string): Promise<T> {
  const response = await fetch(`${base.replace(/\/+$/, '')}${path}`, {
    headers: { authorization: `Bearer ${apiKey}` },
    signal: AbortSignal.timeout(15_000),
  }).catch((error: Error) => {
    throw new UserError(
      `Cannot reach ${base}: ${(error.cause as Error | undefined)?.message ?? error.message}.`,
    );
  });
  const text = await response.text();
  if (!response.ok) throw new UserError(`${base}${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
