import { createHash } from 'node:crypto';

// SSH host-key fingerprints, one way for the node's SSH targets and the console's hosts.

/** The fingerprint as `ssh-keygen -lf` prints it: `SHA256:` + unpadded base64 of sha256(key blob). */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of the SSH wire-format blob, e.g. `ssh-ed25519`. */
export function hostKeyType(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** Compares pins leniently about base64 padding, which some tools print and `ssh-keygen` does not. */
export function sameFingerprint(a: string, b: string): boolean {
  const normalise = (fingerprint: string) => fingerprint.trim().replace(/=+$/, '');
  return normalise(a) === normalise(b);
}
