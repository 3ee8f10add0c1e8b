import { connectClient, type PresentedHostKey } from './connect-client.js';
import { HostKeyNotConfirmedError, SshError } from './ssh-errors.js';
import { describeHost } from './ssh-host-spec.js';

/**
 * Reads the key a host presents and disconnects before signing in, so the console can show the
 * fingerprint and let the admin compare it (with `ssh-keygen -lf` on the host) before trusting it.
 */
export async function probeHostKey(
  host: { host: string; port: number },
  options: { timeoutMs?: number } = {},
): Promise<PresentedHostKey> {
  const target = describeHost(host);
  // With no pin the handshake always ends at the host key, before any authentication.
  const outcome: unknown = await connectClient({
    target,
    pin: null,
    method: 'password',
    timeoutMs: options.timeoutMs ?? 15_000,
    config: { host: host.host, port: host.port, username: 'flotilla-probe', authHandler: [] },
  }).then(
    ({ client }) => {
      client.end();
      return new SshError(target, `${target} accepted a connection without a host key check.`);
    },
    (error: unknown) => error,
  );
  if (outcome instanceof HostKeyNotConfirmedError)
    return { fingerprint: outcome.presented, type: outcome.keyType };
  throw outcome;
}
