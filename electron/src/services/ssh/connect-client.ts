import { Client } from 'ssh2';
import type { ClientErrorExtensions, ConnectConfig } from 'ssh2';
import {
  hostKeyFingerprint,
  hostKeyType,
  sameFingerprint,
} from '@flotilla/server-node/ssh/host-key-fingerprint';
import {
  AuthenticationFailedError,
  HostKeyChangedError,
  HostKeyNotConfirmedError,
  HostUnreachableError,
  SshError,
  SshTimeoutError,
} from './ssh-errors.js';

export interface PresentedHostKey {
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** e.g. `ssh-ed25519`. */
  type: string;
}

export interface ClientConnectRequest {
  target: string;
  config: Omit<ConnectConfig, 'hostVerifier' | 'readyTimeout'>;
  /** The pinned fingerprint; null: read the key and refuse (the admin has to confirm it first). */
  pin: string | null;
  /** Which credential the config carries, to word an authentication failure. */
  method: 'password' | 'key' | 'agent';
  timeoutMs: number;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
]);

/**
 * Opens an ssh2 client and resolves once it is signed in. The host key is checked before any credential
 * is sent: a missing or different pin ends the handshake there, so a password never reaches an
 * unconfirmed host.
 */
export function connectClient(
  request: ClientConnectRequest,
): Promise<{ client: Client; hostKey: PresentedHostKey }> {
  const { target, pin } = request;
  const client = new Client();
  let hostKey: PresentedHostKey | undefined;
  let refusal: SshError | undefined;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      client.removeListener('ready', onReady);
      client.removeListener('close', onClose);
      if (error) {
        client.end();
        reject(error);
      } else resolve({ client, hostKey: hostKey! });
    };
    const onReady = () => settle(null);
    const onClose = () =>
      settle(refusal ?? new SshError(target, `SSH connection to ${target} closed during sign-in.`));
    client.once('ready', onReady);
    client.once('close', onClose);
    // Stays attached for the client's whole life: an 'error' without a listener would crash the process.
    client.on('error', (error: Error & ClientErrorExtensions) => {
      if (!settled) settle(refusal ?? toSshError(error, request));
    });
    client.connect({
      ...request.config,
      readyTimeout: request.timeoutMs,
      hostVerifier: (key: Buffer) => {
        hostKey = { fingerprint: hostKeyFingerprint(key), type: hostKeyType(key) };
        if (pin === null) refusal = new HostKeyNotConfirmedError(target, hostKey.fingerprint, hostKey.type);
        else if (!sameFingerprint(pin, hostKey.fingerprint))
          refusal = new HostKeyChangedError(target, pin, hostKey.fingerprint);
        return refusal === undefined;
      },
    });
  });
}

function toSshError(error: Error & ClientErrorExtensions, request: ClientConnectRequest): SshError {
  const { target } = request;
  if (error.level === 'client-authentication') return new AuthenticationFailedError(target, request.method);
  if (error.level === 'client-timeout') {
    return new SshTimeoutError(
      target,
      `SSH to ${target} did not complete connecting and signing in within ${request.timeoutMs} ms: ` +
        'check that the address and port lead to an SSH server.',
      { cause: error },
    );
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code && UNREACHABLE.has(code)) return new HostUnreachableError(target, code, { cause: error });
  return new SshError(target, `SSH to ${target} failed: ${error.message}`, { cause: error });
}
