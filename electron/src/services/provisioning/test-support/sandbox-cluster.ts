import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClusterApi } from '../../cluster-client/cluster-api.js';
import { ClusterHttp } from '../../cluster-client/cluster-http.js';
import { findFreePort } from '@flotilla/server-node/net/free-port';
import { SandboxLauncher, type SandboxInfo } from '../../sandbox/sandbox-launcher.js';
import { repoServerNodeCli } from '../../sandbox/server-node-cli.js';
import type { ClusterAccess } from '../provision-node.js';

export interface SandboxCluster {
  info: SandboxInfo;
  /** The sandbox's folder: node homes (node-1 …), logs/, shared/. */
  dir: string;
  http: ClusterHttp;
  /** The cluster's API through `http`. */
  api: ClusterApi;
  /** What provisioning needs, read the way an admin would: the master key from a node's flotilla.json. */
  access: ClusterAccess;
  /** The last lines of the sandbox's logs (its own, each node's, the balancer's), for a failing test to print. */
  recentLog(): Promise<string>;
  stop(): Promise<void>;
}

/** A one-node sandbox cluster (embedded PostgreSQL, shared folder, built-in balancer) for provisioning into. */
export async function startSandboxCluster(): Promise<SandboxCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-provision-sandbox-'));
  // As root the embedded PostgreSQL runs as the OS user postgres, which must be able to enter it.
  await chmod(dir, 0o711);
  const log: string[] = [];
  const launcher = new SandboxLauncher({
    cliPath: repoServerNodeCli(),
    dir,
    nodes: 1,
    port: await findFreePort(),
    onLog: (line) => {
      log.push(line);
      if (log.length > 300) log.shift();
    },
  });
  const stop = async () => {
    await launcher.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const info = await launcher.start().catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const http = new ClusterHttp({ balancerUrl: info.balancerUrl, apiKey: info.apiKey });
  const nodeConfig = JSON.parse(await readFile(path.join(dir, 'node-1', 'flotilla.json'), 'utf8')) as {
    masterKey: string;
  };
  const api = new ClusterApi(http);
  const cluster = await api.getCluster();
  return {
    info,
    dir,
    http,
    api,
    access: {
      clusterId: cluster.clusterId,
      sharedDir: cluster.sharedDir,
      dbUrl: info.dbUrl,
      masterKey: nodeConfig.masterKey,
      http,
    },
    recentLog: async () => {
      const files = await readdir(path.join(dir, 'logs')).catch(() => []);
      const tails = await Promise.all(
        files.map(async (file) => {
          const text = await readFile(path.join(dir, 'logs', file), 'utf8').catch(() => '');
          return `--- ${file}\n${text.trimEnd().split('\n').slice(-60).join('\n')}`;
        }),
      );
      return [`--- sandbox\n${log.join('\n')}`, ...tails].join('\n');
    },
    stop,
  };
}
