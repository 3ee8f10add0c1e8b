import path from 'node:path';
import type { ConsoleInfoDto, Push } from '../../common/contract.js';
import type { SandboxLaunchOptions } from '../sandbox/sandbox-launcher.js';
import type { Vault } from '../vault/vault.js';
import { ClusterStore } from './cluster-store.js';
import { ConsoleBackend } from './console-backend.js';

export interface ConsoleBackendSetup {
  configDir: string;
  vault: Vault;
  push: Push;
  transport: ConsoleInfoDto['transport'];
  version: string;
  sandbox: Omit<SandboxLaunchOptions, 'onExit' | 'dir'> & { dir?: string };
  /** Where the server bundles provisioning uploads are (dist-bundles, or the installed app's resources). */
  bundlesDir: string;
}

/** The same backend for the Electron app and the web host; only the vault and the push differ. */
export function createConsoleBackend(setup: ConsoleBackendSetup): ConsoleBackend {
  return new ConsoleBackend({
    store: new ClusterStore(path.join(setup.configDir, 'clusters.json'), setup.vault),
    push: setup.push,
    info: { transport: setup.transport, version: setup.version, configDir: setup.configDir },
    sandbox: { ...setup.sandbox, dir: setup.sandbox.dir ?? path.join(setup.configDir, 'sandbox') },
    hosts: {
      file: path.join(setup.configDir, 'hosts.json'),
      vault: setup.vault,
      bundlesDir: setup.bundlesDir,
    },
    migrations: { file: path.join(setup.configDir, 'migrations.json'), vault: setup.vault },
  });
}
