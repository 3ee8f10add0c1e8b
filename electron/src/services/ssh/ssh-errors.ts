// Every failure the SSH layer reports is one of these, so the console can tell the admin what to do
// (confirm a key, fix a password, check the network) instead of showing ssh2's internal wording.
// No message ever contains a password, key or passphrase.

export class SshError extends Error {
  override name = 'SshError';
  /** `user@host:port` (or `host:port`) the failure is about. */
  readonly target: string;
  constructor(target: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.target = target;
  }
}

/** The host presented another key than the one the admin pinned: possibly a man in the middle. */
export class HostKeyChangedError extends SshError {
  override name = 'HostKeyChangedError';
  constructor(
    target: string,
    readonly expected: string,
    readonly presented: string,
  ) {
    super(
      target,
      `The host key of ${target} has changed: expected ${expected}, the host presented ${presented}. ` +
        'If the host was reinstalled, confirm the new key; otherwise someone may be intercepting the connection.',
    );
  }
}

/** No key is pinned yet: the admin must confirm `presented` (see `probeHostKey`) before we sign in. */
export class HostKeyNotConfirmedError extends SshError {
  override name = 'HostKeyNotConfirmedError';
  constructor(
    target: string,
    readonly presented: string,
    /** e.g. `ssh-ed25519`, to show beside the fingerprint. */
    readonly keyType: string,
  ) {
    super(
      target,
      `The ${keyType} host key of ${target} (${presented}) has not been confirmed yet: confirm it to connect.`,
    );
  }
}

export class AuthenticationFailedError extends SshError {
  override name = 'AuthenticationFailedError';
  constructor(
    target: string,
    readonly method: 'password' | 'key' | 'agent',
  ) {
    const hint = {
      password: 'check the user name and password',
      key: "check the user name and that the public key is in the user's authorized_keys",
      agent: 'check the user name and that the SSH agent holds a key the host accepts',
    }[method];
    super(target, `SSH authentication as ${target} failed (${method}): ${hint}.`);
  }
}

/** The private key (or its passphrase) cannot be used; nothing was sent to the host. */
export class InvalidPrivateKeyError extends SshError {
  override name = 'InvalidPrivateKeyError';
}

export class HostUnreachableError extends SshError {
  override name = 'HostUnreachableError';
  constructor(
    target: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    const reason =
      {
        ECONNREFUSED: 'connection refused: is sshd running on that port?',
        ENOTFOUND: 'the host name does not resolve',
        EAI_AGAIN: 'the host name does not resolve (DNS unavailable)',
        EHOSTUNREACH: 'no route to the host',
        ENETUNREACH: 'the network is unreachable',
        ECONNRESET: 'the connection was reset',
        ETIMEDOUT: 'the connection timed out',
      }[code] ?? code;
    super(target, `Cannot reach SSH on ${target}: ${reason}.`, options);
  }
}

export class SshTimeoutError extends SshError {
  override name = 'SshTimeoutError';
}

/** The connection dropped while a command was running: its outcome is unknown. */
export class SshConnectionLostError extends SshError {
  override name = 'SshConnectionLostError';
}
