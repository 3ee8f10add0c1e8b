// Directory sign-in (Active Directory / LDAP, issue 14): the settings routes and their DTOs.
import type { Role } from './roles.js';

/** GET → DirectorySettingsDto · PUT DirectorySettingsInput → DirectorySettingsDto (administrator). */
export const DIRECTORY_SETTINGS_PATH = '/api/auth/directory';
/** POST DirectoryTestInput → DirectoryTestResultDto (administrator): the settings sent, tried for real. */
export const DIRECTORY_TEST_PATH = '/api/auth/directory/test';

/**
 * How a user's groups are found. `in-chain`: one search with Active Directory's matching rule
 * LDAP_MATCHING_RULE_IN_CHAIN (every group, nested ones too). `member-of`: the user's `memberOf`, then
 * each group's own `memberOf`, a bounded number of levels deep (OpenLDAP's memberof overlay, or any
 * server that has no in-chain rule).
 */
export type DirectoryGroupLookup = 'in-chain' | 'member-of';

/** The defaults the console offers for each kind of server. */
export const DIRECTORY_USER_FILTERS = {
  activeDirectory: '(&(objectClass=user)(sAMAccountName={username}))',
  openLdap: '(uid={username})',
} as const;

export interface DirectoryGroupRoleDto {
  /** The group's distinguished name, compared without regard to case or spaces after commas. */
  group: string;
  role: Role;
}

interface DirectorySettingsFields {
  enabled: boolean;
  /** Tried in order: the next one when one cannot be reached. `ldap://` or `ldaps://`. */
  urls: string[];
  /** Upgrade `ldap://` connections with StartTLS before binding. */
  startTls: boolean;
  /** The service account that searches; null binds anonymously. */
  bindDn: string | null;
  userBase: string;
  /** `{username}` is replaced by the name typed at sign-in, escaped (RFC 4515). */
  userFilter: string;
  /** Where the in-chain group search starts; empty: the user search base. */
  groupBase: string;
  groupLookup: DirectoryGroupLookup;
  groupRoles: DirectoryGroupRoleDto[];
  /** PEM certificate(s) to trust for ldaps:// and StartTLS; null trusts the system's CAs. */
  caCertificate: string | null;
  /** How often sessions and API keys of directory users are checked against the directory. */
  recheckMinutes: number;
}

export interface DirectorySettingsDto extends DirectorySettingsFields {
  /** The bind password is never sent back: only whether one is stored. */
  bindPasswordSet: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface DirectorySettingsInput extends DirectorySettingsFields {
  /** Absent: keep the stored one. null: remove it. A string: store it (encrypted with the master key). */
  bindPassword?: string | null;
}

export interface DirectoryTestInput {
  settings: DirectorySettingsInput;
  /** The user to look up. */
  username: string;
  /** Optional: also check this password by binding as the user. */
  password?: string;
}

export interface DirectoryTestResultDto {
  /** The server that answered. */
  url: string;
  userDn: string;
  groups: string[];
  /** The role the user would get; null when no group of theirs is mapped. */
  role: Role | null;
  /** Whether the password was checked (and was right): null when none was given. */
  passwordAccepted: boolean | null;
  /** What looks wrong with the settings although the test ran (null when nothing does). */
  hint: string | null;
}
