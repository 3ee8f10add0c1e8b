/** How to sign in to a host. Secrets live here only in memory, on their way from the vault to ssh2. */
export type SshAuth =
  | { kind: 'password'; password: string }
  | { kind: 'key'; privateKey: string | Buffer; passphrase?: string }
  | { kind: 'agent'; socket: string };

/** One SSH host as the inventory knows it; the host key pin travels separately (see `SshConnectOptions`). */
export interface SshHostSpec {
  host: string;
  port: number;
  username: string;
  auth: SshAuth;
}

/** `user@host:port` for messages: never includes a secret. */
export function describeHost(spec: Pick<SshHostSpec, 'host' | 'port'> & { username?: string }): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${spec.username ? `${spec.username}@` : ''}${host}:${spec.port}`;
}
