import { PackageRejected } from './package-rejected.js';

/**
 * The safe relative path of an archive entry, or a rejection. An entry may not leave the folder it
 * is extracted into: no absolute paths, drive letters, '..' segments or NUL bytes. Backslashes count
 * as separators, since Windows tools write them and Windows targets would honour them.
 */
export function safeEntryPath(name: string): string {
  const shown = JSON.stringify(name);
  if (name.includes('\0')) throw new PackageRejected(`archive entry ${shown} contains a NUL byte`);
  const normalised = name.replace(/\\/g, '/');
  if (normalised.startsWith('/') || /^[A-Za-z]:/.test(normalised)) {
    throw new PackageRejected(
      `archive entry ${shown} is an absolute path; entries must be relative to the package root`,
    );
  }
  const parts = normalised.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) {
    throw new PackageRejected(
      `archive entry ${shown} escapes the package folder ('..'); rebuild the package without it`,
    );
  }
  return parts.join('/');
}
