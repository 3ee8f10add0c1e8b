import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BalancerStatsDto, SupportBundleRequest } from '../../api/index.js';
import { BALANCER_STATS_PATH, SUPPORT_BUNDLE_PATH } from '../../api/index.js';
import type { CommandSpec } from '../args.js';
import { parseCommandArgs } from '../args.js';
import { CLUSTER_ACCESS_OPTIONS, clusterAccess, requestCluster } from './cluster-access.js';

export const supportBundleSpec: CommandSpec = {
  name: 'support-bundle',
  summary:
    "Write a zip for support: the cluster check, every node's recent log and configuration (secrets removed), " +
    "versions, and the built-in balancer's stats with --balancer-url.",
  options: {
    out: { type: 'string', required: true, help: 'the zip file to write' },
    ...CLUSTER_ACCESS_OPTIONS,
  },
};

export async function supportBundleCommand(argv: string[]): Promise<number> {
  const args = parseCommandArgs(supportBundleSpec, argv);
  if (!args) return 0;
  const { url, apiKey } = await clusterAccess('support-bundle', args);
  const balancerUrl = args['balancer-url'] as string | undefined;
  const balancer = balancerUrl
    ? ((await (await requestCluster(balancerUrl, BALANCER_STATS_PATH, apiKey)).json()) as BalancerStatsDto)
    : null;
  const response = await requestCluster(url, SUPPORT_BUNDLE_PATH, apiKey, {
    method: 'POST',
    body: { balancer } satisfies SupportBundleRequest,
  });
  const zip = Buffer.from(await response.arrayBuffer());
  const out = path.resolve(args.out as string);
  await writeFile(out, zip, { mode: 0o600 });
  console.log(`Wrote ${out} (${Math.round(zip.length / 1024)} KiB).`);
  return 0;
}
