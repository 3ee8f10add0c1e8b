import type { SshAuth } from '../ssh/index.js';
import type { Vault } from '../vault/vault.js';
import type { ProvisionHost } from './provision-host.js';

const vaultKey = (hostId: string) => `ssh-host:${hostId}`;

/** Keeps a host's password or private key in the vault, never in the inventory. */
export async function saveHostCredential(vault: Vault, hostId: string, auth: SshAuth): Promise<void> {
  if (auth.kind === 'agent') throw new Error('An SSH agent needs no stored credential.');
  const secret =
    auth.kind === 'password'
      ? { password: auth.password }
      : {
          privateKey: auth.privateKey.toString(),
          ...(auth.passphrase === undefined ? {} : { passphrase: auth.passphrase }),
        };
  await vault.set(vaultKey(hostId), JSON.stringify(secret));
}

/** How to sign in to the host, from the vault. */
export async function loadHostAuth(
  vault: Vault,
  host: Pick<ProvisionHost, 'id' | 'authKind' | 'address'>,
): Promise<SshAuth> {
  const stored = await vault.get(vaultKey(host.id));
  if (stored === null)
    throw new Error(`No ${host.authKind} is stored for ${host.address}: enter it in the host's settings.`);
  const secret = JSON.parse(stored) as { password?: string; privateKey?: string; passphrase?: string };
  if (host.authKind === 'password') return { kind: 'password', password: secret.password ?? '' };
  return {
    kind: 'key',
    privateKey: secret.privateKey ?? '',
    ...(secret.passphrase === undefined ? {} : { passphrase: secret.passphrase }),
  };
}

export async function deleteHostCredential(vault: Vault, hostId: string): Promise<void> {
  await vault.delete(vaultKey(hostId));
}
