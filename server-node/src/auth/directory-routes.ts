import { X509Certificate } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { FilterParser } from 'ldapts';
import { z } from 'zod';
import type { DirectorySettingsDto, DirectoryTestResultDto } from '../api/index.js';
import { DIRECTORY_SETTINGS_PATH, DIRECTORY_TEST_PATH } from '../api/index.js';
import { ACTION_ROLES, ROLES } from '../api/roles.js';
import { audit } from '../audit/audit.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import {
  DirectoryConnection,
  DirectoryMisconfigured,
  DirectoryUnreachable,
  normalizeDn,
  roleForGroups,
} from './directory-client.js';
import {
  DEFAULT_DIRECTORY_SETTINGS,
  readDirectorySettingsDto,
  withStoredBindPassword,
  writeDirectorySettings,
} from './directory-settings-rows.js';

/** Text that goes into LDAP as it is: no control characters (a newline, a NUL) and a sane length. */
const ldapText = (what: string, max = 1024) =>
  z
    .string()
    .trim()
    .max(max, `${what}: at most ${max} characters`)
    .refine(
      (text) => ![...text].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f),
      `${what}: no control characters (newlines, tabs, NUL)`,
    );

const ldapUrl = z
  .string()
  .trim()
  .max(512, 'at most 512 characters')
  .refine((text) => {
    if (!URL.canParse(text)) return false;
    const url = new URL(text);
    return (
      (url.protocol === 'ldap:' || url.protocol === 'ldaps:') &&
      url.hostname !== '' &&
      url.username === '' &&
      url.password === '' &&
      (url.pathname === '' || url.pathname === '/') &&
      url.search === '' &&
      url.hash === ''
    );
  }, 'give ldap://host[:port] or ldaps://host[:port] (no user, path or query)')
  .transform((text) => {
    const url = new URL(text);
    return `${url.protocol}//${url.host}`;
  });

function validFilter(template: string): boolean {
  try {
    FilterParser.parseString(template.replaceAll('{username}', 'x'));
    return true;
  } catch {
    return false;
  }
}

function validCertificates(pem: string): boolean {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}

const settingsBody = z
  .object({
    enabled: z.boolean(),
    urls: z.array(ldapUrl).max(8, 'at most 8 servers'),
    startTls: z.boolean(),
    bindDn: ldapText('bind DN')
      .pipe(z.string().min(1, 'bind DN: give one, or null for anonymous'))
      .nullable(),
    bindPassword: z.string().max(1024, 'at most 1024 characters').nullable().optional(),
    userBase: ldapText('user search base'),
    userFilter: ldapText('user filter')
      .refine((text) => text.includes('{username}'), 'put {username} where the typed name goes')
      .refine(validFilter, 'not a valid LDAP filter (RFC 4515), e.g. (uid={username})'),
    groupBase: ldapText('group search base'),
    groupLookup: z.enum(['in-chain', 'member-of']),
    groupRoles: z
      .array(
        z
          .object({
            group: ldapText('group DN').pipe(z.string().min(1, 'give the group DN')),
            role: z.enum(ROLES),
          })
          .strict(),
      )
      .max(200, 'at most 200 groups'),
    caCertificate: z
      .string()
      .max(64 * 1024, 'at most 64 KiB')
      .refine(validCertificates, 'paste PEM certificate(s): -----BEGIN CERTIFICATE----- …')
      .nullable(),
    recheckMinutes: z.number().int().min(1, 'at least 1 minute').max(1440, 'at most 1440 minutes (a day)'),
  })
  .strict()
  .superRefine((settings, context) => {
    const seen = new Set<string>();
    settings.groupRoles.forEach(({ group }, index) => {
      const key = normalizeDn(group);
      if (seen.has(key))
        context.addIssue({
          code: 'custom',
          path: ['groupRoles', index, 'group'],
          message: 'this group is mapped twice',
        });
      seen.add(key);
    });
    if (settings.enabled && settings.urls.length === 0)
      context.addIssue({ code: 'custom', path: ['urls'], message: 'give at least one server URL' });
    if (settings.enabled && settings.userBase === '')
      context.addIssue({ code: 'custom', path: ['userBase'], message: 'give the user search base' });
    if (settings.startTls && settings.urls.some((url) => url.startsWith('ldaps:')))
      context.addIssue({
        code: 'custom',
        path: ['startTls'],
        message: 'StartTLS is for ldap:// URLs; ldaps:// is TLS already',
      });
  });

const testBody = z
  .object({
    settings: settingsBody,
    username: z.string().trim().min(1, 'name a user to look up').max(256),
    password: z.string().max(1024).optional(),
  })
  .strict();

export function directoryRoutes(app: FastifyInstance, { runtime }: RouteContext): void {
  const db = runtime.pool;
  const role = ACTION_ROLES['directory.update'];

  app.get(DIRECTORY_SETTINGS_PATH, { config: { role } }, async (): Promise<DirectorySettingsDto> =>
    readDirectorySettingsDto(db),
  );

  app.put(DIRECTORY_SETTINGS_PATH, { config: { role } }, async (request): Promise<DirectorySettingsDto> => {
    const body = parseOr400(settingsBody, request.body, 'directory settings');
    const before = await readDirectorySettingsDto(db);
    const settings = await withStoredBindPassword(db, runtime.secrets, body);
    await writeDirectorySettings(db, runtime.secrets, settings, request.caller);
    const keys = Object.keys(DEFAULT_DIRECTORY_SETTINGS) as (keyof typeof DEFAULT_DIRECTORY_SETTINGS)[];
    const changed = keys.filter((key) => JSON.stringify(body[key]) !== JSON.stringify(before[key]));
    audit(request, 'directory.settings-changed', null, {
      changed,
      bindPassword:
        body.bindPassword === undefined ? 'kept' : settings.bindPassword === null ? 'removed' : 'changed',
      enabled: body.enabled,
      urls: body.urls,
    });
    return readDirectorySettingsDto(db);
  });

  app.post(DIRECTORY_TEST_PATH, { config: { role } }, async (request): Promise<DirectoryTestResultDto> => {
    const body = parseOr400(testBody, request.body, 'directory test');
    const settings = await withStoredBindPassword(db, runtime.secrets, body.settings);
    audit(request, 'directory.settings-tested', body.username, { urls: settings.urls });
    let connection: DirectoryConnection;
    try {
      connection = await DirectoryConnection.open(settings);
    } catch (error) {
      if (error instanceof DirectoryUnreachable || error instanceof DirectoryMisconfigured)
        throw new HttpError(502, error.message);
      throw error;
    }
    try {
      const user = await connection.findUser(body.username);
      if (!user) {
        throw new HttpError(
          404,
          `No single entry matches ${settings.userFilter} for '${body.username}' under '${settings.userBase}' on ${connection.url}: check the user search base and filter.`,
        );
      }
      const groups = await connection.groupsOf(user);
      const passwordAccepted =
        body.password === undefined ? null : await connection.checkPassword(user.dn, body.password);
      return {
        url: connection.url,
        userDn: user.dn,
        groups,
        role: roleForGroups(settings, groups),
        passwordAccepted,
        // OpenLDAP and others answer an unknown matching rule with no entries rather than an error.
        hint:
          settings.groupLookup === 'in-chain' && groups.length === 0 && user.memberOf.length > 0
            ? `The in-chain search found no group, but the user's memberOf lists ${user.memberOf.length}: this server may not support Active Directory's in-chain rule; choose the memberOf lookup.`
            : null,
      };
    } catch (error) {
      if (error instanceof DirectoryUnreachable || error instanceof DirectoryMisconfigured)
        throw new HttpError(502, error.message);
      throw error;
    } finally {
      await connection.close();
    }
  });
}
