import { SshdHost } from '@flotilla/server-node/test-support/sshd-host';

// The real sshd test host lives with the server node's tests; the journey uses the same one.
export { SshdHost };

/** A real OpenSSH server on a 127.0.0.x address (needs root, as CI runs), with a new host key each time. */
export function startSshdHost(address: string, port?: number): Promise<SshdHost> {
  return SshdHost.start(port === undefined ? { address } : { address, port });
}
