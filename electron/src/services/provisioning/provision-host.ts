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
  /** The OS user the node runs as; default the SSH user. */
  serviceUser?: string;
  node: { name: string; listenHost: string; port: number; publicUrl: string };
}
