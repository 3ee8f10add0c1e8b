import { readFile } from 'node:fs/promises';
import { readNodeConfig } from '../../config/node-config.js';
import { UserError } from '../../user-error.js';
import type { OptionSpec } from '../args.js';

/** The options of the commands that talk to a cluster through its API (doctor --cluster, support-bundle). */
export const CLUSTER_ACCESS_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', help: 'any node or the balancer (default: the --home node)' },
  home: { type: 'string', help: 'a node home: its URL is used when --url is not given' },
  'api-key-file': { type: 'string', help: 'a file holding an administrator API key (or FLOTILLA_API_KEY)' },
  'balancer-url': { type: 'string', help: 'the built-in balancer, to add its view' },
};

export interface ClusterAccess {
  url: string;
  apiKey: string;
}

/** Where to reach the cluster and with which key, from --url / --home and --api-key-file / FLOTILLA_API_KEY. */
export async function clusterAccess(
  command: string,
  args: Record<string, string | boolean | undefined>,
): Promise<ClusterAccess> {
  const home = args.home as string | undefined;
  const url = (args.url as string | undefined) ?? (home ? (await readNodeConfig(home)).publicUrl : undefined);
  if (!url) throw new UserError(`${command} needs --url URL (any node or the balancer) or --home DIR.`);
  const keyFile = args['api-key-file'] as string | undefined;
  const apiKey = keyFile
    ? (
        await readFile(keyFile, 'utf8').catch(() => {
          throw new UserError(`Cannot read the API key file ${keyFile}.`);
        })
      ).trim()
    : process.env.FLOTILLA_API_KEY;
  if (!apiKey)
    throw new UserError(
      `${command} needs an administrator API key: --api-key-file FILE or FLOTILLA_API_KEY.`,
    );
  return { url, apiKey };
}

/** One request to the cluster; a failure to connect or an error answer is a UserError saying which. */
export async function requestCluster(
  base: string,
  path: string,
  apiKey: string,
  init: { method?: string; body?: unknown } = {},
): Promise<Response> {
  const response = await fetch(`${base.replace(/\/+$/, '')}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(60_000),
  }).catch((error: Error) => {
    throw new UserError(
      `Cannot reach ${base}: ${(error.cause as Error | undefined)?.message ?? error.message}.`,
    );
  });
  if (!response.ok) {
    const text = await response.text();
    throw new UserError(`${base}${path} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return response;
}
