import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  ClusterEntryDto,
  ProvisioningSettingsDto,
  ProvisioningSettingsInputDto,
} from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import type { ClusterAccess } from '../provisioning/index.js';
import type { Vault } from '../vault/vault.js';

/** The local sandbox, when it runs: its database URL and its folder (node-1/flotilla.json holds the master key). */
export interface SandboxAccess {
  /** The console's saved-cluster id of the sandbox. */
  clusterId: string;
  dbUrl: string;
  dir: string;
}

interface StoredSettings {
  dbUrl: string;
  masterKey: string;
}

const slot = (clusterId: string) => `cluster:${clusterId}:provisioning`;

/**
 * What provisioning needs from a cluster beyond its API: the database URL as the hosts reach it and
 * the master key. The sandbox's come from the sandbox itself; a remote cluster's are entered once by
 * the admin and kept in the vault, and only a masked URL ever leaves this class.
 */
export class ProvisioningSettings {
  constructor(
    private readonly vault: Vault,
    private readonly sandbox: () => SandboxAccess | null,
  ) {}

  async describe(
    cluster: ClusterEntryDto,
  ): Promise<Pick<ProvisioningSettingsDto, 'source' | 'dbUrl' | 'masterKeySet'>> {
    const sandbox = this.sandboxOf(cluster);
    if (sandbox) return { source: 'sandbox', dbUrl: maskUrl(sandbox.dbUrl), masterKeySet: true };
    const stored = await this.stored(cluster.id);
    if (!stored) return { source: 'missing', dbUrl: null, masterKeySet: false };
    return { source: 'saved', dbUrl: maskUrl(stored.dbUrl), masterKeySet: stored.masterKey !== '' };
  }

  async save(cluster: ClusterEntryDto, input: ProvisioningSettingsInputDto): Promise<void> {
    if (this.sandboxOf(cluster))
      throw new UserError('The local sandbox provides its own database URL and master key.');
    const dbUrl = input.dbUrl.trim();
    checkDbUrl(dbUrl);
    const masterKey = input.masterKey?.trim() || (await this.stored(cluster.id))?.masterKey || '';
    if (!masterKey)
      throw new UserError(
        "Enter the cluster's master key: it is `masterKey` in flotilla.json in any node's home folder.",
      );
    await this.vault.set(slot(cluster.id), JSON.stringify({ dbUrl, masterKey } satisfies StoredSettings));
  }

  forget(clusterId: string): Promise<void> {
    return this.vault.delete(slot(clusterId));
  }

  /** Everything a new node needs to join; the shared folder and the cluster id come from the cluster itself. */
  async access(cluster: ClusterEntryDto, http: ClusterHttp): Promise<ClusterAccess> {
    const sandbox = this.sandboxOf(cluster);
    const secrets = sandbox
      ? { dbUrl: sandbox.dbUrl, masterKey: await sandboxMasterKey(sandbox.dir) }
      : await this.stored(cluster.id);
    if (!secrets)
      throw new UserError(
        `Provisioning into ${cluster.name} needs its database URL (as the hosts reach it) and master key: enter them under "Provisioning settings".`,
      );
    const info = await new ClusterApi(http).getCluster();
    return { clusterId: info.clusterId, sharedDir: info.sharedDir, http, ...secrets };
  }

  private sandboxOf(cluster: ClusterEntryDto): SandboxAccess | null {
    const sandbox = this.sandbox();
    return cluster.kind === 'sandbox' && sandbox?.clusterId === cluster.id ? sandbox : null;
  }

  private async stored(clusterId: string): Promise<StoredSettings | null> {
    const text = await this.vault.get(slot(clusterId));
    return text === null ? null : (JSON.parse(text) as StoredSettings);
  }
}

async function sandboxMasterKey(dir: string): Promise<string> {
  const file = path.join(dir, 'node-1', 'flotilla.json');
  const text = await readFile(file, 'utf8').catch(() => null);
  const key = text === null ? undefined : (JSON.parse(text) as { masterKey?: string }).masterKey;
  if (!key) throw new UserError(`The sandbox's master key is not in ${file}: start the sandbox again.`);
  return key;
}

function checkDbUrl(dbUrl: string): void {
  let url: URL;
  try {
    url = new URL(dbUrl);
  } catch {
    throw new UserError('The database URL looks like postgres://user:password@db-host:5432/flotilla.');
  }
  if (!['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname)
    throw new UserError('The database URL looks like postgres://user:password@db-host:5432/flotilla.');
}

/** The URL with its password replaced, for showing which database is set without showing the secret. */
export function maskUrl(dbUrl: string): string {
  try {
    const url = new URL(dbUrl);
    if (url.password) url.password = '*****';
    return url.toString();
  } catch {
    return '(not a URL)';
  }
}
