import type { PackageDto } from '../api/index.js';
import type { Db } from '../sql/db.js';
import type { PackageFormat } from './archive-entries.js';

interface DbPackage {
  package_id: string;
  version: string;
  format: PackageFormat;
  size_bytes: string;
  sha256: string;
  uploaded_at: Date;
  uploaded_by: string;
}

const COLUMNS = `package_id, version, format, size_bytes::text, sha256, uploaded_at, uploaded_by`;

function toDto(row: DbPackage): PackageDto {
  return {
    packageId: row.package_id,
    version: row.version,
    format: row.format,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    uploadedAt: row.uploaded_at.toISOString(),
    uploadedBy: row.uploaded_by,
  };
}

/** False when that id and version exist already. */
export async function insertPackage(
  db: Db,
  pkg: {
    packageId: string;
    version: string;
    format: PackageFormat;
    sizeBytes: number;
    sha256: string;
    uploadedBy: string;
  },
): Promise<PackageDto | null> {
  const result = await db.query<DbPackage>(
    `insert into packages (package_id, version, format, size_bytes, sha256, uploaded_by) values ($1, $2, $3, $4, $5, $6)
     on conflict do nothing returning ${COLUMNS}`,
    [pkg.packageId, pkg.version, pkg.format, pkg.sizeBytes, pkg.sha256, pkg.uploadedBy],
  );
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

export async function getPackage(db: Db, packageId: string, version: string): Promise<PackageDto | null> {
  const result = await db.query<DbPackage>(
    `select ${COLUMNS} from packages where package_id = $1 and version = $2`,
    [packageId, version],
  );
  return result.rows[0] ? toDto(result.rows[0]) : null;
}

export async function listPackages(db: Db, packageId: string | null): Promise<PackageDto[]> {
  const result = await db.query<DbPackage>(
    `select ${COLUMNS} from packages where ($1::text is null or package_id = $1)
     order by package_id, uploaded_at desc`,
    [packageId],
  );
  return result.rows.map(toDto);
}

export async function latestPackageVersion(db: Db, packageId: string): Promise<string | null> {
  const result = await db.query<{ version: string }>(
    `select version from packages where package_id = $1 order by uploaded_at desc limit 1`,
    [packageId],
  );
  return result.rows[0]?.version ?? null;
}

export async function deletePackageRow(db: Db, packageId: string, version: string): Promise<boolean> {
  const result = await db.query(`delete from packages where package_id = $1 and version = $2`, [
    packageId,
    version,
  ]);
  return (result.rowCount ?? 0) === 1;
}

/** Releases that deploy this package version (deleting it would break them). */
export async function releasesUsingPackage(
  db: Db,
  packageId: string,
  version: string,
): Promise<{ project: string; version: string }[]> {
  const result = await db.query<{ project: string; version: string }>(
    `select p.name as project, r.version from releases r join projects p on p.id = r.project_id
     where r.packages ->> $1 = $2 order by r.created_at desc limit 5`,
    [packageId, version],
  );
  return result.rows;
}
