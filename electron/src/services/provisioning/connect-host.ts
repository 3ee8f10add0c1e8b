import {
  AuthenticationFailedError,
  HostKeyChangedError,
  HostKeyNotConfirmedError,
  HostUnreachableError,
  SshConnection,
  type SshAuth,
} from '../ssh/index.js';
import type { ProvisionHost } from './provision-host.js';

/** Signs in to an inventory host with its pinned key: a changed or unconfirmed key stops here. */
export function connectHost(host: ProvisionHost, auth: SshAuth): Promise<SshConnection> {
  return SshConnection.connect(
    { host: host.address, port: host.sshPort, username: host.username, auth },
    { hostKey: host.hostKey, timeoutMs: 15_000 },
  );
}

/** What the admin can do when `connectHost` fails. */
export function connectFix(error: unknown): string {
  if (error instanceof HostKeyChangedError)
    return 'Compare the fingerprint with `ssh-keygen -lf` on the host. Confirm the new key only if the host was reinstalled.';
  if (error instanceof HostKeyNotConfirmedError)
    return "Compare the fingerprint with the host's (`ssh-keygen -lf /etc/ssh/ssh_host_*.pub`) and confirm it.";
  if (error instanceof AuthenticationFailedError)
    return 'Correct the user name or credential in the host settings.';
  if (error instanceof HostUnreachableError) return 'Check the host address, the SSH port and the network.';
  return 'Check the host settings and that sshd runs on the host.';
}
