import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HostDto } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import type { ProvisionHost } from '../provisioning/index.js';

/**
 * One host of a cluster's inventory as the console keeps it: the DTO the UI sees, less the action that
 * runs on it now (that lives in memory). What provisioning needs comes out of it with toProvisionHost.
 * Never a secret: those are in the vault (`saveHostCredential`).
 */
export type HostEntry = Omit<HostDto, 'busyWith'>;

/** The hosts of every cluster in one JSON file in the console's config folder, changed one at a time. */
export class HostStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  async list(clusterId: string): Promise<HostEntry[]> {
    return (await this.read()).filter((host) => host.clusterId === clusterId);
  }

  async get(clusterId: string, id: string): Promise<HostEntry> {
    const host = (await this.list(clusterId)).find((candidate) => candidate.id === id);
    if (!host)
      throw new UserError(`No host with id ${id} in this cluster's inventory; it may have been removed.`);
    return host;
  }

  add(host: HostEntry): Promise<HostEntry> {
    return this.change((hosts) => {
      const same = hosts.find(
        (other) =>
          other.clusterId === host.clusterId &&
          other.address === host.address &&
          other.sshPort === host.sshPort &&
          other.username === host.username,
      );
      if (same)
        throw new UserError(
          `${host.username}@${host.address}:${host.sshPort} is already in this cluster's inventory.`,
        );
      hosts.push(host);
      return host;
    });
  }

  update(clusterId: string, id: string, patch: (host: HostEntry) => HostEntry): Promise<HostEntry> {
    return this.change((hosts) => {
      const at = hosts.findIndex((host) => host.id === id && host.clusterId === clusterId);
      const found = hosts[at];
      if (!found) throw new UserError(`No host with id ${id} in this cluster's inventory.`);
      const next = patch(found);
      hosts[at] = next;
      return next;
    });
  }

  remove(clusterId: string, id: string): Promise<void> {
    return this.change((hosts) => {
      const at = hosts.findIndex((host) => host.id === id && host.clusterId === clusterId);
      if (at >= 0) hosts.splice(at, 1);
    });
  }

  /** Read, change and write back, one change at a time, written atomically (temp file + rename). */
  private change<T>(apply: (hosts: HostEntry[]) => T): Promise<T> {
    const next = this.queue.then(async () => {
      const hosts = await this.read();
      const result = apply(hosts);
      await mkdir(path.dirname(this.file), { recursive: true });
      const temp = `${this.file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ version: 1, hosts }, null, 2) + '\n', { mode: 0o600 });
      await rename(temp, this.file);
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<HostEntry[]> {
    const text = await readFile(this.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (text === null) return [];
    try {
      return (JSON.parse(text) as { hosts?: HostEntry[] }).hosts ?? [];
    } catch {
      throw new UserError(
        `${this.file} is not valid JSON. Fix or remove it; the credentials are in the vault.`,
      );
    }
  }
}

/** The inventory entry as provisioning reads it; the node settings must be set (`hosts:provision` sets them). */
export function toProvisionHost(host: HostEntry): ProvisionHost {
  if (!host.node) throw new UserError(`${host.address} runs no node yet: provision one on it first.`);
  return {
    id: host.id,
    clusterId: host.clusterId,
    address: host.address,
    sshPort: host.sshPort,
    username: host.username,
    authKind: host.authKind === 'password' ? 'password' : 'key',
    hostKey: host.hostKey,
    installRoot: host.node.installRoot,
    node: {
      name: host.node.name,
      listenHost: host.node.listenHost,
      port: host.node.port,
      publicUrl: host.node.publicUrl,
    },
  };
}
