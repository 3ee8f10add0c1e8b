import type { ConnectionOptions } from 'node:tls';
import { Client, Filter, InvalidCredentialsError, ResultCodeError, SizeLimitExceededError } from 'ldapts';
import type { Entry } from 'ldapts';
import type { Role } from '../api/roles.js';
import { ROLES } from '../api/roles.js';
import type { DirectorySettings } from './directory-settings-rows.js';

/** No server in the list could be reached (network, TLS, timeout): nothing said about the user. */
export class DirectoryUnreachable extends Error {}
/** A server answered but refused the settings themselves (the service bind, the search base…). */
export class DirectoryMisconfigured extends Error {}

/** Nested groups are followed this many levels deep at most, and this many groups in all. */
const MAX_GROUP_DEPTH = 10;
const MAX_GROUPS = 1000;
const CONNECT_TIMEOUT_MS = 5000;
const OPERATION_TIMEOUT_MS = 10_000;
/** Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: membership through any depth of nesting. */
const IN_CHAIN = '1.2.840.113556.1.4.1941';
/** userAccountControl's ACCOUNTDISABLE bit (Active Directory). */
const ACCOUNT_DISABLED = 2;

export interface DirectoryUser {
  dn: string;
  memberOf: string[];
  disabled: boolean;
}

/** The user filter with the typed name put in, escaped (RFC 4515: `*`, `(`, `)`, `\` and NUL). */
export function userFilterFor(template: string, username: string): string {
  return template.replaceAll('{username}', Filter.escape(username));
}

/** A DN as compared with the group table: lower case, no spaces around `,` and `=`. */
export function normalizeDn(dn: string): string {
  return dn
    .trim()
    .toLowerCase()
    .replace(/\s*([,=])\s*/g, '$1');
}

/** The highest role any of the groups maps to; null when none is mapped. */
export function roleForGroups(
  settings: Pick<DirectorySettings, 'groupRoles'>,
  groups: string[],
): Role | null {
  const have = new Set(groups.map(normalizeDn));
  let best: Role | null = null;
  for (const { group, role } of settings.groupRoles) {
    if (have.has(normalizeDn(group)) && (best === null || ROLES.indexOf(role) > ROLES.indexOf(best)))
      best = role;
  }
  return best;
}

function values(entry: Entry, attribute: string): string[] {
  const key = Object.keys(entry).find((name) => name.toLowerCase() === attribute.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item) => item.toString());
}

function tlsOptions(settings: DirectorySettings): ConnectionOptions {
  return {
    minVersion: 'TLSv1.2',
    ...(settings.caCertificate ? { ca: [settings.caCertificate] } : {}),
  };
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** One connection to the first server of the list that answers, bound as the service account (or anonymous). */
export class DirectoryConnection {
  private constructor(
    readonly url: string,
    private readonly client: Client,
    private readonly settings: DirectorySettings,
  ) {}

  static async open(settings: DirectorySettings): Promise<DirectoryConnection> {
    const failures: string[] = [];
    for (const url of settings.urls) {
      const client = await connect(settings, url).catch((error: unknown) => {
        failures.push(`${url}: ${describe(error)}`);
        return null;
      });
      if (!client) continue;
      try {
        if (settings.bindDn !== null) await client.bind(settings.bindDn, settings.bindPassword ?? '');
        else await client.bind('', '');
      } catch (error) {
        await client.unbind().catch(() => undefined);
        if (error instanceof InvalidCredentialsError) {
          throw new DirectoryMisconfigured(
            `The directory server ${url} refused Flotilla's service bind as '${settings.bindDn}': wrong bind DN or password. An administrator must correct them in the directory settings.`,
          );
        }
        if (error instanceof ResultCodeError) {
          throw new DirectoryMisconfigured(
            `The directory server ${url} refused Flotilla's ${settings.bindDn === null ? 'anonymous' : 'service'} bind: ${error.message}. An administrator must correct the directory settings.`,
          );
        }
        failures.push(`${url}: ${describe(error)}`);
        continue;
      }
      return new DirectoryConnection(url, client, settings);
    }
    throw new DirectoryUnreachable(
      `Cannot reach the directory server (${failures.join('; ') || 'no server URL is set'}). Local users can still sign in.`,
    );
  }

  /** The one entry the user filter finds for `username` under the user base; null for none or several. */
  async findUser(username: string): Promise<DirectoryUser | null> {
    const entries = await this.search(this.settings.userBase, {
      scope: 'sub',
      filter: userFilterFor(this.settings.userFilter, username),
      attributes: ['memberOf', 'userAccountControl'],
      sizeLimit: 2,
    });
    if (entries?.length !== 1) return null;
    const entry = entries[0]!;
    const control = Number(values(entry, 'userAccountControl')[0] ?? 0);
    return {
      dn: entry.dn,
      memberOf: values(entry, 'memberOf'),
      disabled: (control & ACCOUNT_DISABLED) !== 0,
    };
  }

  /** Every group of the user, nested ones included, as DNs. */
  async groupsOf(user: DirectoryUser): Promise<string[]> {
    if (this.settings.groupLookup === 'in-chain') {
      const entries = await this.search(this.settings.groupBase || this.settings.userBase, {
        scope: 'sub',
        filter: `(member:${IN_CHAIN}:=${Filter.escape(user.dn)})`,
        attributes: ['dn'],
        sizeLimit: MAX_GROUPS,
      });
      return (entries ?? []).map((entry) => entry.dn);
    }
    // memberOf, then each group's own memberOf: breadth first, bounded, each group read once.
    const seen = new Map(user.memberOf.map((dn) => [normalizeDn(dn), dn]));
    let level = [...seen.values()];
    for (let depth = 1; depth < MAX_GROUP_DEPTH && level.length > 0 && seen.size < MAX_GROUPS; depth++) {
      const next: string[] = [];
      for (const group of level) {
        const entries = await this.search(group, { scope: 'base', attributes: ['memberOf'] });
        for (const parent of entries?.[0] ? values(entries[0], 'memberOf') : []) {
          if (!seen.has(normalizeDn(parent)) && seen.size < MAX_GROUPS) {
            seen.set(normalizeDn(parent), parent);
            next.push(parent);
          }
        }
      }
      level = next;
    }
    return [...seen.values()];
  }

  /**
   * Whether `password` is the user's: a bind as them on a connection of its own, to the server that
   * answered (the service connection keeps its identity for the group lookup).
   */
  async checkPassword(dn: string, password: string): Promise<boolean> {
    // An empty password would be an unauthenticated bind, which servers accept for any DN.
    if (password === '') return false;
    const client = await connect(this.settings, this.url).catch((error: unknown) => {
      throw new DirectoryUnreachable(`Cannot reach the directory server (${this.url}: ${describe(error)}).`);
    });
    try {
      await client.bind(dn, password);
      return true;
    } catch (error) {
      if (error instanceof ResultCodeError) return false;
      throw new DirectoryUnreachable(`Cannot reach the directory server (${this.url}: ${describe(error)}).`);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => undefined);
  }

  /** A search; null when the base does not exist or the result would be too large. */
  private async search(base: string, options: Parameters<Client['search']>[1]): Promise<Entry[] | null> {
    try {
      return (await this.client.search(base, options)).searchEntries;
    } catch (error) {
      if (error instanceof SizeLimitExceededError) return null;
      if (error instanceof ResultCodeError) {
        if (error.code === 32) return null; // noSuchObject
        throw new DirectoryMisconfigured(
          `The directory server ${this.url} refused a search under '${base}': ${error.message}. An administrator must check the directory settings.`,
        );
      }
      throw new DirectoryUnreachable(`Cannot reach the directory server (${this.url}: ${describe(error)}).`);
    }
  }
}

async function connect(settings: DirectorySettings, url: string): Promise<Client> {
  const secure = url.toLowerCase().startsWith('ldaps://');
  const client = new Client({
    url,
    connectTimeout: CONNECT_TIMEOUT_MS,
    timeout: OPERATION_TIMEOUT_MS,
    // ldapts speaks TLS from the first byte whenever it is given TLS options: only for ldaps://.
    ...(secure ? { tlsOptions: tlsOptions(settings) } : {}),
  });
  try {
    if (settings.startTls && url.toLowerCase().startsWith('ldap://'))
      await client.startTLS(tlsOptions(settings));
    return client;
  } catch (error) {
    await client.unbind().catch(() => undefined);
    throw error;
  }
}
