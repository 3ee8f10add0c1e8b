import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * One host of a cluster's inventory: plain data only. Its password or private key lives in the vault
 * (see host-credentials.ts); the host key is pinned only after the admin confirmed its fingerprint.
 */
export interface ProvisionHost {
  id: string;
  clusterId: string;
  address: string;
  sshPort: number;
  username: string;
  authKind: 'password' | 'key';
  /** The confirmed host key fingerprint (`SHA256:…`); null until the admin confirms one. */
  hostKey: string | null;
  /** Versions, the current link and the node home live under this folder on the host. */
  installRoot: string;
  /** The OS user the node runs as; default the SSH user. */
  serviceUser?: string;
  node: { name: string; listenHost: string; port: number; publicUrl: string };
}

/** The host inventory of every cluster, kept in one JSON file (no secrets in it). */
export class HostInventory {
  constructor(private readonly file: string) {}

  async list(clusterId?: string): Promise<ProvisionHost[]> {
    const hosts = await this.read();
    return clusterId === undefined ? hosts : hosts.filter((host) => host.clusterId === clusterId);
  }

  async get(id: string): Promise<ProvisionHost | null> {
    return (await this.read()).find((host) => host.id === id) ?? null;
  }

  async upsert(host: ProvisionHost): Promise<void> {
    const hosts = (await this.read()).filter((existing) => existing.id !== host.id);
    await this.write([...hosts, host]);
  }

  async remove(id: string): Promise<void> {
    await this.write((await this.read()).filter((host) => host.id !== id));
  }

  /** Trust on first use, but only after the admin compared the fingerprint (see `probeHostKey`). */
  async confirmHostKey(id: string, fingerprint: string): Promise<ProvisionHost> {
    const host = await this.get(id);
    if (!host) throw new Error(`No host with id ${id} in the inventory.`);
    const pinned = { ...host, hostKey: fingerprint };
    await this.upsert(pinned);
    return pinned;
  }

  private async read(): Promise<ProvisionHost[]> {
    const text = await readFile(this.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '[]';
      throw error;
    });
    return JSON.parse(text) as ProvisionHost[];
  }

  private async write(hosts: ProvisionHost[]): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    // Write then rename, so a crash never leaves half an inventory.
    const next = `${this.file}.next`;
    await writeFile(next, JSON.stringify(hosts, null, 2) + '\n');
    await rename(next, this.file);
  }
}
