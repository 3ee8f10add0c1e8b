import type { BalancerStatsDto, DiagnosticsDto } from '../api/index.js';
import { nodeLogPath } from '../api/nodes.js';
import { readClusterInfo } from '../cluster/cluster-info.js';
import { askPeer } from '../diagnostics/ask-peer.js';
import { gatherDiagnostics } from '../diagnostics/gather-diagnostics.js';
import { readNodeLog } from '../logs/read-node-log.js';
import { nodeLogFile } from '../logs/rotating-log-file.js';
import type { NodeRuntime } from '../node/node-runtime.js';
import { VERSION } from '../version.js';
import type { ZipEntry } from './zip-writer.js';
import { writeZip } from './zip-writer.js';

/** How much of each node's log a bundle carries. */
const LOG_LINES = 5000;

const README = `Flotilla support bundle

diagnostics.json        the cluster check: every live node's self-check and the findings
cluster.json            GET /api/cluster: queue, leader, schema, shared folder, settings, maintenance
versions.json           each node's version, the database server's, the schema's
balancer.json           the balancer's stats as the console or CLI read them (when it could)
nodes/<name>/node.log   the node's last ${LOG_LINES} log lines (secrets are redacted by the logger)
nodes/<name>/flotilla.json  the node's configuration, master key and passwords removed

Secrets are never included: no master key, database password or API key.
`;

/**
 * What a vendor's support engineer asks for first, in one zip: the cluster check, every live node's
 * recent log and configuration (secrets removed), versions, and the balancer's stats when the caller
 * (which reads the balancer; a node cannot know which one fronts it) sent them.
 */
export async function buildSupportBundle(
  runtime: NodeRuntime,
  credentials: Record<string, string>,
  balancer: BalancerStatsDto | null,
): Promise<Buffer> {
  const [report, cluster, postgres] = await Promise.all([
    gatherDiagnostics(runtime, credentials),
    readClusterInfo(runtime.pool),
    runtime.pool.query<{ version: string }>(`select version()`),
  ]);
  const entries: ZipEntry[] = [
    { name: 'README.txt', data: README },
    { name: 'diagnostics.json', data: json(report) },
    { name: 'cluster.json', data: json(cluster) },
    { name: 'versions.json', data: json(versions(report, postgres.rows[0]?.version ?? null)) },
  ];
  if (balancer) entries.push({ name: 'balancer.json', data: json(balancer) });
  for (const node of report.nodes) {
    if (!node.selfCheck) continue;
    entries.push({ name: `nodes/${safe(node.name)}/flotilla.json`, data: json(node.selfCheck.config) });
    entries.push({
      name: `nodes/${safe(node.name)}/node.log`,
      data: await nodeLog(runtime, node, credentials),
    });
  }
  return await writeZip(entries);
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A node name as one path segment of the zip (names are free text). */
const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');

function versions(report: DiagnosticsDto, postgres: string | null) {
  return {
    servedBy: { node: report.servedBy, version: VERSION },
    nodes: Object.fromEntries(
      report.nodes.map((node) => [node.name, node.selfCheck?.version ?? node.version]),
    ),
    schema: report.nodes.find((node) => node.selfCheck)?.selfCheck?.database.schemaVersion ?? null,
    postgres,
  };
}

async function nodeLog(
  runtime: NodeRuntime,
  node: DiagnosticsDto['nodes'][number],
  credentials: Record<string, string>,
): Promise<string> {
  if (node.name === runtime.name) {
    const chunks: Buffer[] = [];
    for await (const chunk of readNodeLog(nodeLogFile(runtime.home), { lines: LOG_LINES, follow: false }))
      chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  const answer = await askPeer(
    node.url,
    nodeLogPath(node.name, { lines: LOG_LINES }),
    credentials,
    (response) => response.text(),
  );
  return answer.body ?? `(${node.name} did not send its log: ${answer.error})\n`;
}
