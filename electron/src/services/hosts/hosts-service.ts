import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { SchemaMigrationDto } from '@flotilla/server-node/api';
import type {
  ClusterEntryDto,
  ConsoleRole,
  HostActionDto,
  HostDto,
  HostInputDto,
  HostNodeDto,
  InvokeChannel,
  InvokeHandlers,
  ProvisionInputDto,
  Push,
} from '../../common/contract.js';
import { INVOKE, PUSH } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import { haproxyFromSettings } from '../balancer/haproxy-from-settings.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import {
  deleteHostCredential,
  gracefulRestart,
  haproxyNodeBalancer,
  loadHostAuth,
  provisionNode,
  readBundleSchema,
  removeNode,
  replaceNode,
  rollingRestart,
  saveHostCredential,
  type NodeBalancer,
  type ServerBundle,
} from '../provisioning/index.js';
import { HostKeyChangedError, SshConnection, probeHostKey, type SshAuth } from '../ssh/index.js';
import type { Vault } from '../vault/vault.js';
import { detectHostOs } from './detect-host-os.js';
import { findServerBundle } from './find-server-bundle.js';
import { HostActions } from './host-actions.js';
import { deniedReason } from '../../common/permissions.js';
import { HostStore, toProvisionHost, type HostEntry } from './host-store.js';
import { ProvisioningSettings, type SandboxAccess } from './provisioning-settings.js';
import {
  checkServiceAccount,
  findWindowsMsi,
  WINDOWS_MASTER_KEY_FILE,
  windowsInstallCommand,
} from './windows-install.js';

export type HostsChannel = Extract<InvokeChannel, `hosts:${string}`>;
export type HostsHandlers = Pick<InvokeHandlers, HostsChannel>;

/** The cluster the console has selected, as the hosts view works on it. */
export interface ActiveCluster {
  entry: ClusterEntryDto;
  http: ClusterHttp;
  /** What the key may do: asked of the cluster when not yet known; null while it cannot say. */
  role: () => Promise<ConsoleRole | null>;
}

export interface HostsServiceOptions {
  /** hosts.json in the console's config folder. */
  file: string;
  vault: Vault;
  /** Where `npm run bundle:server` puts the bundles (dist-bundles), or the installed app's copy. */
  bundlesDir: string;
  /** The console's version: the bundle of the same version is preferred. */
  version: string;
  push: Push;
  /** Throws with what to do when no cluster is selected. */
  active: () => ActiveCluster;
  sandbox: () => SandboxAccess | null;
  sshTimeoutMs?: number;
}

const NODE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The hosts of each cluster and the node actions on them, for the console's Hosts view: the inventory
 * (no secrets; those are in the vault), host-key pinning after the admin compared the fingerprint,
 * and provision / restart / rolling restart / remove / replace running in the background.
 */
export class HostsService {
  private readonly store: HostStore;
  private readonly settings: ProvisioningSettings;
  private readonly actions: HostActions;
  /** The migrations each bundle carries, read once per archive (unpacking its listing takes a second). */
  private readonly bundleSchemas = new Map<string, Promise<SchemaMigrationDto[] | null>>();

  constructor(private readonly options: HostsServiceOptions) {
    this.store = new HostStore(options.file);
    this.settings = new ProvisioningSettings(options.vault, options.sandbox);
    this.actions = new HostActions(options.push);
  }

  /** Resolves once no action runs (for tests; the console does not wait: a re-run resumes what was cut off). */
  idle(): Promise<void> {
    return this.actions.idle();
  }

  readonly handlers: HostsHandlers = {
    [INVOKE.hosts.list]: async () => {
      const { entry } = this.options.active();
      return (await this.store.list(entry.id)).map((host) => this.toDto(host));
    },
    [INVOKE.hosts.probe]: async ({ address, sshPort }) => {
      await this.admin();
      const target = checkTarget(address, sshPort);
      const presented = await probeHostKey(target, this.sshTimeout());
      return {
        address: target.host,
        sshPort: target.port,
        fingerprint: presented.fingerprint,
        keyType: presented.type,
      };
    },
    [INVOKE.hosts.add]: (input) => this.add(input),
    [INVOKE.hosts.confirmKey]: async (hostId, fingerprint) => {
      const { entry } = await this.admin();
      const host = await this.store.get(entry.id, hostId);
      const presented = await probeHostKey({ host: host.address, port: host.sshPort }, this.sshTimeout());
      if (presented.fingerprint !== fingerprint.trim())
        throw new UserError(
          `${host.address} now presents ${presented.fingerprint}, not the ${fingerprint} you confirmed: nothing was changed. Compare again with \`ssh-keygen -lf\` on the host.`,
        );
      const updated = await this.store.update(entry.id, hostId, (old) => ({
        ...old,
        hostKey: presented.fingerprint,
        hostKeyType: presented.type,
      }));
      this.changed(entry.id);
      return this.toDto(updated);
    },
    [INVOKE.hosts.remove]: async (hostId) => {
      const { entry } = await this.admin();
      const host = await this.store.get(entry.id, hostId);
      const busy = this.actions.busyWith(hostId);
      if (busy)
        throw new UserError(`${host.address} is busy with "${busy}": remove it once that has finished.`);
      await this.store.remove(entry.id, hostId);
      await deleteHostCredential(this.options.vault, hostId);
      this.changed(entry.id);
      return (await this.store.list(entry.id)).map((other) => this.toDto(other));
    },
    [INVOKE.hosts.provision]: (input) => this.provision(input),
    [INVOKE.hosts.restart]: async (hostId) => {
      const { entry, http } = await this.admin();
      const host = await this.provisioned(entry.id, hostId);
      const auth = await loadHostAuth(this.options.vault, toProvisionHost(host));
      return this.actions.start({
        clusterId: entry.id,
        kind: 'restart',
        title: `Restart ${host.node!.name} on ${host.address}`,
        hosts: [host],
        run: (emit) =>
          gracefulRestart({
            host: toProvisionHost(host),
            auth,
            http,
            ...this.nodeBalancer(entry),
            onEvent: (event) => emit({ ...event, node: host.node!.name }),
          }),
        settle: () => Promise.resolve(this.changed(entry.id)),
      });
    },
    [INVOKE.hosts.rollingRestart]: async ({ upgrade, minHealthy }) => {
      const { entry, http } = await this.admin();
      if (!Number.isInteger(minHealthy) || minHealthy < 0)
        throw new UserError('"Keep at least N healthy" is a whole number from 0.');
      const hosts = (await this.store.list(entry.id)).filter((host) => host.node?.state === 'provisioned');
      if (hosts.length === 0)
        throw new UserError(
          'No node of this cluster was provisioned by the console: there is nothing to roll.',
        );
      const nodes = await Promise.all(
        hosts.map(async (host) => ({
          host: toProvisionHost(host),
          auth: await loadHostAuth(this.options.vault, toProvisionHost(host)),
        })),
      );
      const cluster = await this.settings.access(entry, http);
      const bundle = upgrade ? await this.bundle() : undefined;
      const names = hosts.map((host) => host.node!.name).join(', ');
      return this.actions.start({
        clusterId: entry.id,
        kind: upgrade ? 'rollingUpgrade' : 'rollingRestart',
        title: upgrade
          ? `Rolling upgrade to ${bundle!.version} of ${names} (keep ${minHealthy} healthy)`
          : `Rolling restart of ${names} (keep ${minHealthy} healthy)`,
        hosts,
        run: (emit) =>
          rollingRestart({
            nodes,
            cluster,
            minHealthy,
            onEvent: emit,
            ...this.nodeBalancer(entry),
            ...(bundle ? { bundle } : {}),
          }),
        settle: () => Promise.resolve(this.changed(entry.id)),
      });
    },
    [INVOKE.hosts.removeNode]: async ({ hostId, purge }) => {
      const { entry, http } = await this.admin();
      const host = await this.store.get(entry.id, hostId);
      const target = toProvisionHost(host);
      const auth = await loadHostAuth(this.options.vault, target);
      return this.actions.start({
        clusterId: entry.id,
        kind: 'removeNode',
        title: `Remove ${target.node.name} from ${host.address}${purge ? ' (purge files)' : ''}`,
        hosts: [host],
        run: (emit) =>
          removeNode({
            host: target,
            auth,
            http,
            purge,
            ...this.nodeBalancer(entry),
            onEvent: (event) => emit({ ...event, node: target.node.name }),
          }),
        settle: async (outcome) => {
          if (outcome === 'done')
            await this.store.update(entry.id, hostId, (old) => ({ ...old, node: null }));
          this.changed(entry.id);
        },
      });
    },
    [INVOKE.hosts.replace]: async ({ fromHostId, node, purge }) => {
      const { entry, http } = await this.admin();
      if (fromHostId === node.hostId)
        throw new UserError('Replace onto another host: pick a host other than the one it runs on.');
      const from = await this.provisioned(entry.id, fromHostId);
      const to = await this.store.get(entry.id, node.hostId);
      if (to.node?.state === 'provisioned')
        throw new UserError(`${to.address} runs ${to.node.name} already: pick a host without a node.`);
      await this.checkNodeInput(entry.id, node, from.id);
      const cluster = await this.settings.access(entry, http);
      const bundle = await this.bundle();
      const fromAuth = await loadHostAuth(this.options.vault, toProvisionHost(from));
      const planned = await this.store.update(entry.id, to.id, (old) => ({
        ...old,
        node: nodeOf(node, 'partial'),
      }));
      const toAuth = await loadHostAuth(this.options.vault, toProvisionHost(planned));
      this.changed(entry.id);
      return this.actions.start({
        clusterId: entry.id,
        kind: 'replace',
        title: `Replace ${from.node!.name} on ${from.address} with ${node.nodeName} on ${to.address}`,
        hosts: [from, to],
        run: (emit) =>
          replaceNode({
            from: { host: toProvisionHost(from), auth: fromAuth },
            to: { host: toProvisionHost(planned), auth: toAuth },
            bundle,
            cluster,
            purge,
            onEvent: emit,
            ...this.nodeBalancer(entry),
          }),
        settle: async (outcome) => {
          if (outcome === 'done') {
            await this.store.update(entry.id, to.id, (old) => ({
              ...old,
              node: nodeOf(node, 'provisioned'),
            }));
            await this.store.update(entry.id, from.id, (old) => ({ ...old, node: null }));
          }
          this.changed(entry.id);
        },
      });
    },
    [INVOKE.hosts.listActions]: () => Promise.resolve(this.actions.list(this.options.active().entry.id)),
    [INVOKE.hosts.getSettings]: () => this.describeSettings(this.options.active().entry),
    [INVOKE.hosts.setSettings]: async (input) => {
      const { entry } = await this.admin();
      await this.settings.save(entry, input);
      return this.describeSettings(entry);
    },
    [INVOKE.hosts.getWindowsInstall]: async (input) => {
      const { entry, http } = await this.admin();
      const nodeName = String(input.nodeName).trim();
      const serviceAccount = String(input.serviceAccount).trim();
      if (!NODE_NAME.test(nodeName))
        throw new UserError('The node name is lower-case letters, digits and dashes, e.g. win-node-1.');
      if (serviceAccount) checkServiceAccount(serviceAccount);
      const { dbUrl } = await this.settings.describe(entry);
      if (!dbUrl)
        throw new UserError(
          'A Windows node needs the cluster\'s database URL as the hosts reach it: enter it under "Provisioning settings".',
        );
      const { sharedDir } = await new ClusterApi(http).getCluster();
      const msi = await findWindowsMsi(this.options.bundlesDir, this.options.version).then(
        (found) => ({ msi: found, msiError: null }),
        (error: Error) => ({ msi: null, msiError: error.message }),
      );
      const msiFile = msi.msi?.file ?? `flotilla-node-${this.options.version}-win-x64.msi`;
      return {
        nodeName,
        command: windowsInstallCommand({ msiFile, maskedDbUrl: dbUrl, sharedDir, nodeName, serviceAccount }),
        masterKeyFile: WINDOWS_MASTER_KEY_FILE,
        ...msi,
      };
    },
  };

  /** A host of a cluster's inventory as the UI sees it. */
  async getHost(clusterId: string, hostId: string): Promise<HostDto> {
    return this.toDto(await this.store.get(clusterId, hostId));
  }

  /** Signs in to a host of a cluster's inventory with its pinned key (HAProxy on a host, the HA migration). */
  async connect(clusterId: string, hostId: string): Promise<SshConnection> {
    const host = await this.store.get(clusterId, hostId);
    const auth = await loadHostAuth(this.options.vault, {
      id: host.id,
      address: host.address,
      authKind: host.authKind === 'password' ? 'password' : 'key',
    });
    return SshConnection.connect(
      { host: host.address, port: host.sshPort, username: host.username, auth },
      { hostKey: host.hostKey, timeoutMs: this.options.sshTimeoutMs ?? 15_000 },
    );
  }

  /** A cluster's node actions, running and recent (the migration waits for the ones it started). */
  actionsOf(clusterId: string): HostActionDto[] {
    return this.actions.list(clusterId);
  }

  /** The vault entries of a cluster that is being removed from the console. */
  async forgetCluster(clusterId: string): Promise<void> {
    for (const host of await this.store.list(clusterId)) {
      await deleteHostCredential(this.options.vault, host.id);
      await this.store.remove(clusterId, host.id);
    }
    await this.settings.forget(clusterId);
  }

  private async add(input: HostInputDto): Promise<HostDto> {
    const { entry } = await this.admin();
    const target = checkTarget(input.address, input.sshPort);
    const username = input.username.trim();
    if (!username)
      throw new UserError('Enter the user the console signs in as, e.g. root or an admin with sudo.');
    const fingerprint = input.fingerprint.trim();
    if (!fingerprint.startsWith('SHA256:'))
      throw new UserError('Probe the host first and confirm the fingerprint it presents.');
    const auth = authOf(input);
    // Signing in with the confirmed key pinned: a host that now presents another key is refused before any credential is sent.
    const ssh = await SshConnection.connect(
      { host: target.host, port: target.port, username, auth },
      { hostKey: fingerprint, timeoutMs: this.options.sshTimeoutMs ?? 15_000 },
    ).catch((error: unknown) => {
      if (error instanceof HostKeyChangedError)
        throw new UserError(
          `Warning: ${target.host}:${target.port} now presents the key ${error.presented}, not the ${fingerprint} you confirmed. Nothing was saved and no credential was sent. Someone may be intercepting the connection: probe again and compare with \`ssh-keygen -lf /etc/ssh/ssh_host_*.pub\` on the host.`,
        );
      throw error;
    });
    const os = await detectHostOs(ssh).finally(() => ssh.close());
    const host: HostEntry = {
      id: randomUUID(),
      clusterId: entry.id,
      address: target.host,
      sshPort: target.port,
      username,
      authKind: input.authKind,
      hostKey: ssh.hostKey.fingerprint,
      hostKeyType: ssh.hostKey.type,
      os,
      addedAt: new Date().toISOString(),
      node: null,
    };
    await this.store.add(host);
    await saveHostCredential(this.options.vault, host.id, auth);
    this.changed(entry.id);
    return this.toDto(host);
  }

  private async provision(input: ProvisionInputDto): Promise<HostActionDto> {
    const { entry, http } = await this.admin();
    const host = await this.store.get(entry.id, input.hostId);
    await this.checkNodeInput(entry.id, input, host.id);
    if (host.node?.state === 'provisioned' && host.node.name !== input.nodeName.trim())
      throw new UserError(
        `${host.address} runs ${host.node.name}: remove it before provisioning another node there.`,
      );
    const cluster = await this.settings.access(entry, http);
    const bundle = await this.bundle();
    const busy = this.actions.busyWith(host.id);
    if (busy) throw new UserError(`${host.address} is busy with "${busy}": one action per host at a time.`);
    const state = host.node?.state === 'provisioned' ? 'provisioned' : 'partial';
    const planned = await this.store.update(entry.id, host.id, (old) => ({
      ...old,
      node: nodeOf(input, state),
    }));
    const target = toProvisionHost(planned);
    const auth = await loadHostAuth(this.options.vault, target);
    this.changed(entry.id);
    return this.actions.start({
      clusterId: entry.id,
      kind: 'provision',
      title: `Provision ${target.node.name} on ${host.address}`,
      hosts: [host],
      run: async (emit) => {
        await provisionNode({
          host: target,
          auth,
          bundle,
          cluster,
          onEvent: (event) => emit({ ...event, node: target.node.name }),
          ...this.nodeBalancer(entry),
        });
      },
      settle: async (outcome) => {
        if (outcome === 'done')
          await this.store.update(entry.id, host.id, (old) => ({
            ...old,
            node: nodeOf(input, 'provisioned'),
          }));
        this.changed(entry.id);
      },
    });
  }

  private async checkNodeInput(
    clusterId: string,
    input: ProvisionInputDto,
    ownHostId: string,
  ): Promise<void> {
    const name = input.nodeName.trim();
    if (!NODE_NAME.test(name))
      throw new UserError('The node name is lower-case letters, digits and dashes, e.g. node-4.');
    if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
      throw new UserError('The listen port is a whole number from 1 to 65535, e.g. 8080.');
    if (!input.listenHost.trim()) throw new UserError('Enter the address the node listens on, e.g. 0.0.0.0.');
    if (!/^https?:\/\/[^/\s]+/.test(input.publicUrl.trim()))
      throw new UserError(
        'The public URL is how the balancer and the other nodes reach it, e.g. http://10.0.0.12:8080.',
      );
    if (!input.installRoot.trim().startsWith('/'))
      throw new UserError('The install root is an absolute path on the host, e.g. /opt/flotilla.');
    const clash = (await this.store.list(clusterId)).find(
      (other) => other.id !== ownHostId && other.node?.name === name,
    );
    if (clash) throw new UserError(`${name} is the node on ${clash.address} already: choose another name.`);
  }

  private async provisioned(clusterId: string, hostId: string): Promise<HostEntry> {
    const host = await this.store.get(clusterId, hostId);
    if (host.node?.state !== 'provisioned')
      throw new UserError(`${host.address} runs no provisioned node: provision one first.`);
    return host;
  }

  private async describeSettings(entry: ClusterEntryDto) {
    const described = await this.settings.describe(entry);
    const bundle = await this.bundle().then(
      async (found) => ({
        bundle: {
          version: found.version,
          file: path.basename(found.archive),
          migrations: await this.bundleSchema(found),
        },
        bundleError: null,
      }),
      (error: Error) => ({ bundle: null, bundleError: error.message }),
    );
    return { clusterId: entry.id, ...described, ...bundle };
  }

  private bundle() {
    return findServerBundle(this.options.bundlesDir, this.options.version);
  }

  private bundleSchema(bundle: ServerBundle): Promise<SchemaMigrationDto[] | null> {
    const key = `${bundle.archive} ${bundle.sha256}`;
    let schema = this.bundleSchemas.get(key);
    if (!schema) {
      schema = readBundleSchema(bundle);
      this.bundleSchemas.set(key, schema);
    }
    return schema;
  }

  /** The active cluster, when its API key's role may touch hosts (the one permissions table says who). */
  private async admin(): Promise<ActiveCluster> {
    const active = this.options.active();
    const denied = deniedReason(await active.role(), 'hosts.manage');
    if (denied) throw new UserError(`Hosts and node actions: ${denied}`);
    return active;
  }

  private sshTimeout() {
    return this.options.sshTimeoutMs === undefined ? {} : { timeoutMs: this.options.sshTimeoutMs };
  }

  /** The cluster's HAProxy for node actions when its balancer setting names one (the default otherwise). */
  private nodeBalancer(entry: ClusterEntryDto): { balancer?: NodeBalancer } {
    const haproxy = haproxyFromSettings(entry.balancer, (hostId) => this.connect(entry.id, hostId));
    return haproxy ? { balancer: haproxyNodeBalancer(haproxy) } : {};
  }

  private changed(clusterId: string): void {
    this.options.push(PUSH.hosts.changed, { clusterId });
  }

  private toDto(host: HostEntry): HostDto {
    return { ...host, busyWith: this.actions.busyWith(host.id) };
  }
}

function checkTarget(address: string, sshPort: number): { host: string; port: number } {
  const host = address.trim();
  if (!host || /\s|\//.test(host)) throw new UserError('Enter the host name or IP address, e.g. 10.0.0.12.');
  if (!Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65535)
    throw new UserError('The SSH port is a whole number from 1 to 65535 (usually 22).');
  return { host, port: sshPort };
}

function authOf(input: HostInputDto): SshAuth {
  if (input.authKind === 'password') {
    if (!input.password) throw new UserError('Enter the password of the SSH user.');
    return { kind: 'password', password: input.password };
  }
  if (!input.privateKey?.includes('PRIVATE KEY'))
    throw new UserError('Paste the private key, from -----BEGIN … PRIVATE KEY----- to its END line.');
  if (input.authKind === 'keyWithPassphrase') {
    if (!input.passphrase) throw new UserError('Enter the passphrase of the private key.');
    return { kind: 'key', privateKey: input.privateKey, passphrase: input.passphrase };
  }
  return { kind: 'key', privateKey: input.privateKey };
}

function nodeOf(input: ProvisionInputDto, state: HostNodeDto['state']): HostNodeDto {
  return {
    name: input.nodeName.trim(),
    listenHost: input.listenHost.trim(),
    port: input.port,
    publicUrl: input.publicUrl.trim().replace(/\/+$/, ''),
    installRoot: input.installRoot.trim().replace(/(.)\/+$/, '$1'),
    state,
  };
}
