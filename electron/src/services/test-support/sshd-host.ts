import type { SshdHost } from '@flotilla/server-node/test-support/sshd-host';
import type { SshAuth, SshHostSpec } from '../ssh/ssh-host-spec.js';

// The real sshd test host lives with the server node's tests (the server node may not import the console);
// the console's tests use the same one and add how the console's SSH layer addresses it.
export { SshdHost } from '@flotilla/server-node/test-support/sshd-host';

/** A host spec for the test server; by default root with its generated client key. */
export function sshdSpec(
  sshd: SshdHost,
  auth: SshAuth = { kind: 'key', privateKey: sshd.clientPrivateKey },
  username = 'root',
): SshHostSpec {
  return { host: sshd.address, port: sshd.port, username, auth };
}
