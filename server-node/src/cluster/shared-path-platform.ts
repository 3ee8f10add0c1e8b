// The cluster's shared folder is one path for every node (cluster.shared_dir), so every node runs on the
// platform that path belongs to: a Windows path (C:\…, a UNC share \\server\share\…) for Windows nodes, a
// POSIX path for the others. A node on the other platform refuses to start, or to join, with the reason.

/** Whether `dir` is a Windows path: a drive (C:\, C:/) or a UNC share (\\server\share, //server/share). */
export function isWindowsPath(dir: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(dir) || isUncPath(dir);
}

/** Whether `dir` is a UNC share path (\\server\share\…), which a Windows node reaches over SMB. */
export function isUncPath(dir: string): boolean {
  return /^(\\\\|\/\/)[^\\/]+[\\/][^\\/]+/.test(dir);
}

/** Null when a node on `platform` can use the cluster's shared folder `sharedDir`, else what to do. */
export function platformProblem(
  sharedDir: string,
  platform: NodeJS.Platform = process.platform,
): string | null {
  const windowsNode = platform === 'win32';
  if (isWindowsPath(sharedDir) === windowsNode) return null;
  const [pathKind, clusterPlatform] = windowsNode
    ? ['a POSIX path', 'Linux/Unix']
    : ['a Windows path', 'Windows'];
  return (
    `The cluster's shared folder is ${sharedDir}, ${pathKind}: this cluster's nodes run on ${clusterPlatform}, ` +
    `and this node runs on ${windowsNode ? 'Windows' : platform}. A cluster does not mix Windows and ` +
    `Linux/Unix nodes (the shared folder is one path for all of them): run this node on ${clusterPlatform}, ` +
    `or give it a cluster of its own.`
  );
}

/**
 * What to add when a node cannot reach a UNC shared folder: it reaches the share as the account it runs as
 * (`account`), and LocalSystem (or a virtual account) reaches the network only as the computer account.
 */
export function uncAccessHint(sharedDir: string, account: string): string | null {
  if (!isUncPath(sharedDir)) return null;
  return (
    `${sharedDir} is an SMB share: this node reaches it as ${account}, the account its service runs as. ` +
    `LocalSystem cannot reach an SMB share as a user (nor can a virtual account such as NT SERVICE\\flotilla-node ` +
    `unless the share grants the computer account); run the service as a domain account or a gMSA ` +
    `(FLOTILLA_SERVICE_ACCOUNT=DOMAIN\\name$ in the MSI) with read and write on the share.`
  );
}
