// The package feed's routes (server-node/src/packages/package-routes.ts): their paths.

/** GET → PackageDto[] (`?packageId=`) · POST (an archive, `?id=&version=`) → PackageDto. */
export const PACKAGES_PATH = '/api/packages';

/** GET → PackageDto · PUT (an archive) → PackageDto · DELETE. */
export const packagePath = (id: string, version: string): string =>
  `${PACKAGES_PATH}/${encodeURIComponent(id)}/${encodeURIComponent(version)}`;

/** GET → the archive, its sha256 in `x-checksum-sha256`. */
export const packageDownloadPath = (id: string, version: string): string =>
  `${packagePath(id, version)}/download`;
