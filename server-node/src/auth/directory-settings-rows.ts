import type { DirectorySettingsDto, DirectorySettingsInput } from '../api/index.js';
import { DIRECTORY_USER_FILTERS } from '../api/index.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { HttpError } from '../http/http-error.js';
import type { Db } from '../sql/db.js';

/** The settings as the directory client uses them: the bind password opened, or null. */
export type DirectorySettings = Omit<DirectorySettingsInput, 'bindPassword'> & {
  bindPassword: string | null;
};

/** What the secret box authenticates the bind password as, so no other sealed value opens in its place. */
const BIND_PASSWORD_CONTEXT = 'directory-bind-password';

export const DEFAULT_DIRECTORY_SETTINGS: Omit<DirectorySettingsInput, 'bindPassword'> = {
  enabled: false,
  urls: [],
  startTls: false,
  bindDn: null,
  userBase: '',
  userFilter: DIRECTORY_USER_FILTERS.openLdap,
  groupBase: '',
  groupLookup: 'member-of',
  groupRoles: [],
  caCertificate: null,
  recheckMinutes: 5,
};

interface DbDirectorySettings {
  settings: Omit<DirectorySettingsInput, 'bindPassword'>;
  bind_password: string | null;
  updated_at: Date;
  updated_by: string;
}

async function readRow(db: Db): Promise<DbDirectorySettings | null> {
  const result = await db.query<DbDirectorySettings>(
    `select settings, bind_password, updated_at, updated_by from directory_settings`,
  );
  return result.rows[0] ?? null;
}

export async function readDirectorySettingsDto(db: Db): Promise<DirectorySettingsDto> {
  const row = await readRow(db);
  return {
    ...DEFAULT_DIRECTORY_SETTINGS,
    ...row?.settings,
    bindPasswordSet: row?.bind_password != null,
    updatedAt: row?.updated_at.toISOString() ?? null,
    updatedBy: row?.updated_by ?? null,
  };
}

/** The stored settings with the bind password opened; null when directory sign-in is off. */
export async function readDirectorySettings(db: Db, secrets: SecretBox): Promise<DirectorySettings | null> {
  const row = await readRow(db);
  if (!row?.settings.enabled) return null;
  return { ...DEFAULT_DIRECTORY_SETTINGS, ...row.settings, bindPassword: openBindPassword(secrets, row) };
}

/**
 * The stored bind password, opened. One that does not open (the row was damaged, or sealed under another
 * master key) is a sentence for whoever meets it, sign-in or settings, not a 500: only typing it again helps.
 */
function openBindPassword(secrets: SecretBox, row: DbDirectorySettings | null): string | null {
  if (!row?.bind_password) return null;
  try {
    return secrets.decrypt(row.bind_password, BIND_PASSWORD_CONTEXT);
  } catch {
    throw new HttpError(
      503,
      "Directory sign-in cannot be used: the stored service account password cannot be opened with this cluster's " +
        'master key (the stored value is damaged or from another cluster). An administrator must enter the ' +
        'password again in the directory settings.',
    );
  }
}

/**
 * The settings an administrator sent, with the stored bind password where they sent none (the console
 * never sees it, so it cannot send it back), as long as the bind DN is the same and every server was
 * already listed (as for SSH targets: a stored secret never goes to a new host). Anonymous (no bind DN)
 * never carries a password.
 */
export async function withStoredBindPassword(
  db: Db,
  secrets: SecretBox,
  input: DirectorySettingsInput,
): Promise<DirectorySettings> {
  const { bindPassword, ...settings } = input;
  if (settings.bindDn === null) return { ...settings, bindPassword: null };
  if (bindPassword !== undefined) return { ...settings, bindPassword };
  const row = await readRow(db);
  // The stored password goes only where it went before: new servers or another bind DN need it again.
  const stored = row?.settings;
  const moved =
    stored !== undefined &&
    (stored.bindDn !== settings.bindDn || settings.urls.some((url) => !stored.urls.includes(url)));
  if (row?.bind_password && moved) {
    throw new HttpError(
      400,
      'Give the bind password again: the bind DN or the server URLs changed, and the stored password is only sent where it was before.',
    );
  }
  return { ...settings, bindPassword: openBindPassword(secrets, row) };
}

export async function writeDirectorySettings(
  db: Db,
  secrets: SecretBox,
  settings: DirectorySettings,
  by: string,
): Promise<void> {
  const { bindPassword, ...rest } = settings;
  await db.query(
    `insert into directory_settings (id, settings, bind_password, updated_by) values (true, $1, $2, $3)
     on conflict (id) do update set settings = excluded.settings, bind_password = excluded.bind_password,
       updated_by = excluded.updated_by, updated_at = now()`,
    [
      JSON.stringify(rest),
      bindPassword === null ? null : secrets.encrypt(bindPassword, BIND_PASSWORD_CONTEXT),
      by,
    ],
  );
}

/**
 * Claims this interval's re-check of directory users for the calling node: true for one node per
 * interval across the cluster (the row's `checked_at` moves on under its lock).
 */
export async function claimDirectoryCheck(db: Db): Promise<boolean> {
  const result = await db.query(
    `update directory_settings set checked_at = now()
     where (settings->>'enabled')::boolean
       and (checked_at is null
            or checked_at < now() - (settings->>'recheckMinutes')::int * interval '1 minute')`,
  );
  return (result.rowCount ?? 0) === 1;
}
