/**
 * A host as provisioning needs it: plain data only. Its password or private key lives in the vault
 * (see host-credentials.ts); the host key is pinned only after the admin confirmed its fingerprint
 * (the console's inventory, services/hosts/host-store.ts, keeps these and makes them with toProvisionHost).
 */
export interface ProvisionHost {
  id: string;
  clusterId: string;
  address: string;
  sshPort: number;
  username: string;
  authKind: 'password' | 'key';
  /** The confirmed host key fingerprint (`SHA256:…`); null until the admin confirms one. */
  hostKey: string | null;
  /** Versions, the current link and the node home live under this folder on the host. */
  installRoot: string;
  /**
   * The OS account the node runs as (never root). Default: `flotilla`, created on the host, when the SSH
   * user is root; otherwise the SSH user itself, which cannot create or switch to another account.
   */
  serviceUser?: string;
  node: { name: string; listenHost: string; port: number; publicUrl: string };
}
