import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BalancerSettingsDto, ClusterEntryDto, ClustersDto } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import type { Vault } from '../vault/vault.js';
import { normalizeUrl } from './normalize-url.js';

interface ClustersFile {
  version: 1;
  activeId: string | null;
  clusters: ClusterEntryDto[];
}

export interface NewClusterEntry {
  name: string;
  balancerUrl: string;
  apiKey: string;
  kind: ClusterEntryDto['kind'];
  nodeUrls?: string[];
}

const apiKeySlot = (id: string) => `cluster:${id}:apiKey`;

/**
 * The saved clusters (like kubeconfig contexts) in `clusters.json` in the console's config folder;
 * their API keys go to the vault, never into that file.
 */
export class ClusterStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly vault: Vault,
  ) {}

  async list(): Promise<ClustersDto> {
    const { clusters, activeId } = await this.read();
    return { clusters, activeId };
  }

  async get(id: string): Promise<ClusterEntryDto> {
    const found = (await this.read()).clusters.find((cluster) => cluster.id === id);
    if (!found) throw new UserError(`No saved cluster with id ${id}; it may have been removed.`);
    return found;
  }

  async apiKey(id: string): Promise<string> {
    const key = await this.vault.get(apiKeySlot(id));
    if (!key)
      throw new UserError(
        'The API key of this cluster is missing from the vault. Edit the cluster and enter it again.',
      );
    return key;
  }

  add(entry: NewClusterEntry): Promise<ClusterEntryDto> {
    return this.change(async (file) => {
      const name = entry.name.trim();
      if (file.clusters.some((cluster) => cluster.name === name)) {
        throw new UserError(`A cluster named '${name}' is already saved. Choose another name.`);
      }
      const cluster: ClusterEntryDto = {
        id: randomUUID(),
        name,
        balancerUrl: normalizeUrl(entry.balancerUrl),
        nodeUrls: (entry.nodeUrls ?? []).map(normalizeUrl),
        kind: entry.kind,
        createdAt: new Date().toISOString(),
      };
      await this.vault.set(apiKeySlot(cluster.id), entry.apiKey);
      file.clusters.push(cluster);
      file.activeId ??= cluster.id;
      return cluster;
    });
  }

  update(
    id: string,
    patch: {
      name?: string;
      balancerUrl?: string;
      apiKey?: string;
      nodeUrls?: string[];
      balancer?: BalancerSettingsDto;
    },
  ): Promise<ClusterEntryDto> {
    return this.change(async (file) => {
      const cluster = file.clusters.find((candidate) => candidate.id === id);
      if (!cluster) throw new UserError(`No saved cluster with id ${id}; it may have been removed.`);
      const name = patch.name?.trim();
      if (name && file.clusters.some((other) => other.id !== id && other.name === name)) {
        throw new UserError(`A cluster named '${name}' is already saved. Choose another name.`);
      }
      if (name) cluster.name = name;
      if (patch.balancerUrl) cluster.balancerUrl = normalizeUrl(patch.balancerUrl);
      if (patch.nodeUrls) cluster.nodeUrls = patch.nodeUrls.map(normalizeUrl);
      if (patch.balancer) cluster.balancer = patch.balancer;
      if (patch.apiKey) await this.vault.set(apiKeySlot(id), patch.apiKey);
      return { ...cluster };
    });
  }

  remove(id: string): Promise<ClustersDto> {
    return this.change(async (file) => {
      file.clusters = file.clusters.filter((cluster) => cluster.id !== id);
      if (file.activeId === id) file.activeId = file.clusters[0]?.id ?? null;
      await this.vault.delete(apiKeySlot(id));
      return { clusters: file.clusters, activeId: file.activeId };
    });
  }

  select(id: string): Promise<ClustersDto> {
    return this.change((file) => {
      if (!file.clusters.some((cluster) => cluster.id === id)) {
        throw new UserError(`No saved cluster with id ${id}; it may have been removed.`);
      }
      file.activeId = id;
      return Promise.resolve({ clusters: file.clusters, activeId: id });
    });
  }

  /** Read, change and write back, one change at a time, written atomically (temp file + rename). */
  private change<T>(apply: (file: ClustersFile) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      const file = await this.read();
      const result = await apply(file);
      await mkdir(path.dirname(this.file), { recursive: true });
      const temp = `${this.file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
      await rename(temp, this.file);
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<ClustersFile> {
    const text = await readFile(this.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (text === null) return { version: 1, activeId: null, clusters: [] };
    try {
      const parsed = JSON.parse(text) as ClustersFile;
      return { version: 1, activeId: parsed.activeId ?? null, clusters: parsed.clusters ?? [] };
    } catch {
      throw new UserError(
        `${this.file} is not valid JSON. Fix or remove it; the API keys are kept in the vault.`,
      );
    }
  }
}

/** `base`, or `base 2`, `base 3`… : the first name no saved cluster has. */
export function uniqueClusterName(base: string, clusters: ClusterEntryDto[]): string {
  const names = new Set(clusters.map((cluster) => cluster.name));
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base} ${i}`)) return `${base} ${i}`;
}
