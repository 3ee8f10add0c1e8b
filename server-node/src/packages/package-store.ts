import path from 'node:path';
import type { PackageFormat } from './archive-entries.js';

// The feed lives in shared storage: <shared>/packages/<id>/<version>.<zip|tar.gz>, uploads in
// progress in <shared>/packages/.incoming (a dot folder no valid package id can name).

export function packageFile(
  sharedDir: string,
  packageId: string,
  version: string,
  format: PackageFormat,
): string {
  return path.join(sharedDir, 'packages', packageId, `${version}.${format}`);
}

export function incomingDir(sharedDir: string): string {
  return path.join(sharedDir, 'packages', '.incoming');
}
