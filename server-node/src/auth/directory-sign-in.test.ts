import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  DirectorySettingsDto,
  DirectorySettingsInput,
  DirectoryTestResultDto,
  ErrorDto,
  MeDto,
  UserDto,
} from '../api/index.js';
import {
  DIRECTORY_SETTINGS_PATH,
  DIRECTORY_TEST_PATH,
  DIRECTORY_USER_FILTERS,
  ME_PATH,
} from '../api/index.js';
import type { Answer } from '../test-support/request-from.js';
import { requestFrom, signInFrom } from '../test-support/request-from.js';
import {
  SLAPD_SERVICE,
  SLAPD_SUFFIX,
  SlapdHost,
  slapdGroupDn,
  slapdPassword,
  slapdUserDn,
} from '../test-support/slapd-host.js';
import { TestCluster } from '../test-support/test-cluster.js';
import { createUser, type TestUser } from '../test-support/users.js';
import { DirectoryConnection, userFilterFor } from './directory-client.js';
import { readNodeConfig } from '../config/node-config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { checkDirectoryUsers, runDirectoryCheckIfDue } from './directory-check.js';

// Issue 14: directory sign-in against a real OpenLDAP (slapd with the memberof overlay) and real nodes.
// alice is in ops, which is in deployers (nested); bob is in admins; carol only in a group nobody
// mapped; dave in viewers; erin in viewers and deployers; "star*" has a filter character in its uid.

const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'star*'];

describe('directory sign-in (LDAP / Active Directory)', () => {
  const cluster = new TestCluster();
  let slapd: SlapdHost;
  let url = '';
  let localAdmin: TestUser;
  let settings: DirectorySettingsInput;
  let client = 10;
  /** Each sign-in from an address of its own: the sign-in throttle counts per address. */
  const from = () => `127.0.14.${client++}`;
  const signIn = (username: string, password: string) => signInFrom(url, from(), username, password);
  const json = <T>(answer: Answer) => JSON.parse(answer.body) as T;
  /** The portal's sign-in form, as a browser posts it: its CSRF cookie and token first. */
  const portalSignIn = async (username: string, password: string) => {
    const form = await requestFrom(`${url}/login`);
    const csrf = /name="_csrf" value="([\w-]+)"/.exec(form.body)![1]!;
    const cookie = form.headers['set-cookie']!.find((c) => c.startsWith('flotilla_login_csrf='))!.split(
      ';',
    )[0]!;
    return requestFrom(`${url}/login`, {
      from: from(),
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: `_csrf=${csrf}&username=${encodeURIComponent(username)}&password=${encodeURIComponent(password)}`,
    });
  };
  const putSettings = (body: unknown) =>
    cluster.api<DirectorySettingsDto & ErrorDto>('PUT', DIRECTORY_SETTINGS_PATH, body);

  beforeAll(async () => {
    [slapd] = await Promise.all([
      SlapdHost.start({
        people: PEOPLE,
        groups: [
          { cn: 'ops', members: ['alice'] },
          { cn: 'deployers', members: ['group:ops', 'erin'] },
          { cn: 'admins', members: ['bob'] },
          { cn: 'viewers', members: ['dave', 'erin', 'star*'] },
          { cn: 'misc', members: ['carol'] },
        ],
      }),
      cluster.create({ nodes: 1 }),
    ]);
    url = cluster.node('node-1').url;
    localAdmin = await createUser(cluster, 'local-admin', 'administrator');
    settings = {
      enabled: true,
      urls: [slapd.url],
      startTls: false,
      bindDn: SLAPD_SERVICE.dn,
      bindPassword: SLAPD_SERVICE.password,
      userBase: `ou=people,${SLAPD_SUFFIX}`,
      userFilter: DIRECTORY_USER_FILTERS.openLdap,
      groupBase: '',
      groupLookup: 'member-of',
      groupRoles: [
        { group: slapdGroupDn('deployers'), role: 'deployer' },
        // Spaces and case differ from the server's DN: compared normalised.
        { group: `CN=Admins, ou=groups, ${SLAPD_SUFFIX}`, role: 'administrator' },
        { group: slapdGroupDn('viewers'), role: 'viewer' },
      ],
      caCertificate: null,
      recheckMinutes: 5,
    };
    const saved = await putSettings(settings);
    expect(saved.status).toBe(200);
    // The node's own timer would take the first check; the tests run it themselves, when they mean to.
    await cluster.db.query(`update directory_settings set checked_at = now()`);
  });
  afterAll(async () => {
    await slapd?.stop();
    await cluster.destroy();
  });

  it('stores the settings with the bind password sealed, and never sends it back', async () => {
    const got = await cluster.api<DirectorySettingsDto>('GET', DIRECTORY_SETTINGS_PATH);
    expect(got.body).toMatchObject({ enabled: true, urls: [slapd.url], bindPasswordSet: true });
    expect(JSON.stringify(got.body)).not.toContain(SLAPD_SERVICE.password);
    const row = await cluster.db.query<{ bind_password: string; settings: unknown }>(
      `select bind_password, settings from directory_settings`,
    );
    expect(row.rows[0]!.bind_password).toMatch(/^v1:/);
    expect(JSON.stringify(row.rows[0])).not.toContain(SLAPD_SERVICE.password);
    const audit = await cluster.db.query<{ details: Record<string, unknown> }>(
      `select details from audit_log where action = 'directory.settings-changed'`,
    );
    expect(audit.rows[0]!.details).toMatchObject({ bindPassword: 'changed', enabled: true });
    expect(JSON.stringify(audit.rows)).not.toContain(SLAPD_SERVICE.password);
  });

  it('gives users in nested groups the mapped role, through the API and the portal sign-in', async () => {
    const alice = await signIn('alice', slapdPassword('alice'));
    expect(alice.status).toBe(200);
    expect(json<MeDto>(alice).user).toMatchObject({ username: 'alice', role: 'deployer' });
    const bob = await signIn('Bob', slapdPassword('bob'));
    expect(json<MeDto>(bob).user).toMatchObject({ username: 'bob', role: 'administrator' });

    // The portal's form signs in through the same check.
    const portal = await portalSignIn('alice', slapdPassword('alice'));
    expect(portal.status).toBe(303);
    expect(portal.headers['set-cookie']?.some((c) => c.startsWith('flotilla_session='))).toBe(true);

    // A local shadow row holds them for sessions, API keys and the audit trail; no usable password.
    const shadow = await cluster.db.query(
      `select username, role, directory_dn from users where directory_dn is not null order by username`,
    );
    expect(shadow.rows).toEqual([
      { username: 'alice', role: 'deployer', directory_dn: slapdUserDn('alice') },
      { username: 'bob', role: 'administrator', directory_dn: slapdUserDn('bob') },
    ]);
    const audit = await cluster.db.query<{ details: { source: string; groups: string[] } }>(
      `select details from audit_log where action = 'auth.login' and actor = 'alice' limit 1`,
    );
    expect(audit.rows[0]!.details.source).toBe('directory');
    expect(audit.rows[0]!.details.groups).toEqual([slapdGroupDn('ops'), slapdGroupDn('deployers')]);
  });

  it('refuses a user in no mapped group with a message that says so', async () => {
    const carol = await signIn('carol', slapdPassword('carol'));
    expect(carol.status).toBe(403);
    expect(json<ErrorDto>(carol).error).toMatch(/in no group that Flotilla maps to a role/);
    const audit = await cluster.db.query(
      `select details->>'reason' as reason from audit_log where action = 'auth.login-failed' and actor = 'carol'`,
    );
    expect(audit.rows).toEqual([{ reason: 'no-mapped-group' }]);
  });

  it('says so when the stored service password cannot be opened, and works again once it is typed again', async () => {
    const stored = await cluster.db.query<{ bind_password: string }>(
      `select bind_password from directory_settings`,
    );
    // Sealed under another key: well formed, but its tag does not match.
    const foreign = `v1:${Buffer.alloc(48, 7).toString('base64')}`;
    await cluster.db.query(`update directory_settings set bind_password = $1`, [foreign]);
    try {
      const alice = await signIn('alice', slapdPassword('alice'));
      expect(alice.status).toBe(503);
      expect(json<ErrorDto>(alice).error).toMatch(
        /^Directory sign-in cannot be used: the stored service account password cannot be opened .* enter the password again/,
      );
      // The settings as the console sends them when the password field is left empty: no bindPassword.
      const kept = await putSettings({ ...settings, bindPassword: undefined });
      expect(kept.status).toBe(503);
      expect(kept.body.error).toMatch(/enter the password again in the directory settings/);
      expect((await cluster.api('GET', DIRECTORY_SETTINGS_PATH)).status).toBe(200);
      expect((await putSettings(settings)).status).toBe(200);
      expect((await signIn('alice', slapdPassword('alice'))).status).not.toBe(503);
    } finally {
      await cluster.db.query(`update directory_settings set bind_password = $1`, [
        stored.rows[0]!.bind_password,
      ]);
    }
  });

  it('answers a wrong password and an unknown user alike', async () => {
    const wrong = await signIn('alice', 'not-her-password');
    const unknown = await signIn('nobody-here', 'not-her-password');
    expect(wrong.status).toBe(401);
    expect([unknown.status, unknown.body]).toEqual([wrong.status, wrong.body]);
    expect(json<ErrorDto>(wrong).error).toBe('Wrong user name or password.');
  });

  it('escapes every value put into the filter (RFC 4515): the injection cases find no other user', async () => {
    expect(userFilterFor('(uid={username})', 'a*()\\\u0000b')).toBe('(uid=a\\2a\\28\\29\\5c\\00b)');
    for (const name of ['*', 'a*', 'alice)(uid=*', '*)(|(uid=*', 'ali\\63e', 'alice\\', '(alice)']) {
      const answer = await signIn(name, slapdPassword('alice'));
      expect([name, answer.status, json<ErrorDto>(answer).error]).toEqual([
        name,
        401,
        'Wrong user name or password.',
      ]);
    }
    // A NUL never reaches the directory over HTTP (400); the client escapes it all the same.
    expect((await signIn('alice\u0000', slapdPassword('alice'))).status).toBe(400);
    const connection = await DirectoryConnection.open({ ...settings, bindPassword: SLAPD_SERVICE.password });
    expect(await connection.findUser('alice\u0000')).toBeNull();
    expect(await connection.findUser('*')).toBeNull();
    // The escaping matches the literal name: "star*" is found, and only it.
    expect((await connection.findUser('star*'))?.dn).toBe(slapdUserDn('star*'));
    await connection.close();
    expect(json<MeDto>(await signIn('star*', slapdPassword('star*'))).user).toMatchObject({
      username: 'star*',
      role: 'viewer',
    });
  });

  it('ends sessions and stops API keys at the next check when the directory takes a group away', async () => {
    const dave = await signIn('dave', slapdPassword('dave'));
    const erin = await signIn('erin', slapdPassword('erin'));
    expect(json<MeDto>(erin).user.role).toBe('deployer');
    const daveCookie = dave.headers['set-cookie']![0]!.split(';')[0]!;
    const erinCookie = erin.headers['set-cookie']![0]!.split(';')[0]!;
    const daveId = json<MeDto>(dave).user.id!;
    const key = await requestFrom(`${url}/api/users/${daveId}/api-keys`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: daveCookie,
        'x-csrf-token': json<MeDto>(dave).csrfToken!,
      },
      body: JSON.stringify({ name: 'console' }),
    });
    expect(key.status).toBe(201);
    const apiKey = json<{ key: string }>(key).key;
    const me = (headers: Record<string, string>) => requestFrom(`${url}${ME_PATH}`, { headers });
    expect((await me({ authorization: `Bearer ${apiKey}` })).status).toBe(200);

    await slapd.removeMember('viewers', 'dave');
    await slapd.removeMember('deployers', 'erin');
    const checked = await checkDirectoryUsers(cluster.db, {
      ...settings,
      bindPassword: SLAPD_SERVICE.password,
    });
    expect(checked).toMatchObject({ refused: ['dave'], changed: ['erin'] });

    expect((await me({ cookie: daveCookie })).status).toBe(401);
    expect((await me({ authorization: `Bearer ${apiKey}` })).status).toBe(401);
    expect(json<MeDto>(await me({ cookie: erinCookie })).user.role).toBe('viewer');
    const audit = await cluster.db.query(
      `select action, target from audit_log where actor = 'directory check' order by id`,
    );
    expect(audit.rows).toEqual([
      { action: 'directory.user-refused', target: 'dave' },
      { action: 'directory.role-changed', target: 'erin' },
    ]);
  });

  it('runs the scheduled check on one node per interval, and counts directory failures in the sign-in throttle', async () => {
    const { masterKey } = await readNodeConfig(cluster.node('node-1').home);
    const secrets = new SecretBox(masterKey);
    await cluster.db.query(`update directory_settings set checked_at = null`);
    const [first, second] = await Promise.all([
      runDirectoryCheckIfDue(cluster.db, secrets),
      runDirectoryCheckIfDue(cluster.db, secrets),
    ]);
    // One of two callers at once gets the turn; the next is not due for recheckMinutes.
    expect([first, second].filter((result) => result !== null)).toHaveLength(1);
    expect(await runDirectoryCheckIfDue(cluster.db, secrets)).toBeNull();

    const address = from();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await signInFrom(url, address, 'bob', `wrong-${i}`)).status);
    expect(answers).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await signInFrom(url, address, 'bob', slapdPassword('bob'))).status).toBe(429);
  });

  it('tries the next server when one cannot be reached, and trusts LDAPS only with the CA set', async () => {
    const deadPort = `ldap://127.0.0.1:1`;
    expect((await putSettings({ ...settings, urls: [deadPort, slapd.url] })).status).toBe(200);
    expect((await signIn('alice', slapdPassword('alice'))).status).toBe(200);

    const test = (changes: Partial<DirectorySettingsInput>) =>
      cluster.api<DirectoryTestResultDto & ErrorDto>('POST', DIRECTORY_TEST_PATH, {
        settings: { ...settings, ...changes },
        username: 'alice',
        password: slapdPassword('alice'),
      });
    const trusted = await test({ urls: [slapd.tlsUrl], caCertificate: slapd.caCertificate });
    expect(trusted.body).toEqual({
      url: slapd.tlsUrl,
      userDn: slapdUserDn('alice'),
      groups: [slapdGroupDn('ops'), slapdGroupDn('deployers')],
      role: 'deployer',
      passwordAccepted: true,
      hint: null,
    });
    // OpenLDAP has no in-chain rule: no groups, and the test says why.
    const inChain = await test({ groupLookup: 'in-chain' });
    expect(inChain.body).toMatchObject({ groups: [], role: null });
    expect(inChain.body.hint).toMatch(/may not support Active Directory's in-chain rule/);
    const startTls = await test({ startTls: true, caCertificate: slapd.caCertificate });
    expect(startTls.body).toMatchObject({ url: slapd.url, role: 'deployer', passwordAccepted: true });
    const untrusted = await test({ urls: [slapd.tlsUrl] });
    expect(untrusted.status).toBe(502);
    expect(untrusted.body.error).toMatch(
      /^Cannot reach the directory server \(ldaps:.*self[- ]signed certificate/,
    );
    const wrongBind = await test({ bindPassword: 'not-the-service-password' });
    expect(wrongBind.status).toBe(502);
    expect(wrongBind.body.error).toMatch(
      /refused Flotilla's service bind as 'cn=flotilla,ou=services,.*wrong bind DN or password/,
    );

    // Signing in over LDAPS: refused without the CA, fine with it.
    expect((await putSettings({ ...settings, urls: [slapd.tlsUrl] })).status).toBe(200);
    const refused = await signIn('alice', slapdPassword('alice'));
    expect([refused.status, json<ErrorDto>(refused).error]).toEqual([
      503,
      expect.stringMatching(/^Cannot reach the directory server/),
    ]);
    expect(
      (await putSettings({ ...settings, urls: [slapd.tlsUrl], caCertificate: slapd.caCertificate })).status,
    ).toBe(200);
    expect((await signIn('alice', slapdPassword('alice'))).status).toBe(200);
    expect((await putSettings(settings)).status).toBe(200);
  });

  it('says "cannot reach" while the directory server is down, and local users still sign in', async () => {
    await slapd.pause();
    const alice = await signIn('alice', slapdPassword('alice'));
    expect(alice.status).toBe(503);
    expect(json<ErrorDto>(alice).error).toMatch(
      /^Cannot reach the directory server \(ldap:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*Local users can still sign in\.$/,
    );
    // The portal's form says the same, in the form.
    const portal = await portalSignIn('alice', 'x');
    expect(portal.status).toBe(503);
    expect(portal.body).toContain('Cannot reach the directory server');
    expect(portal.body).toContain('name="password"');
    const local = await signIn(localAdmin.username, localAdmin.password);
    expect(json<MeDto>(local).user).toMatchObject({ username: 'local-admin', role: 'administrator' });
    await slapd.resume();
    expect((await signIn('alice', slapdPassword('alice'))).status).toBe(200);
  });

  it('refuses hostile settings with a message per field, and keeps what was stored', async () => {
    expect((await putSettings(settings)).status).toBe(200);
    const before = (await cluster.api<DirectorySettingsDto>('GET', DIRECTORY_SETTINGS_PATH)).body;
    const cases: [Partial<Record<keyof DirectorySettingsInput, unknown>>, RegExp][] = [
      [{ urls: ['http://example.test'] }, /urls\.0: give ldap:\/\/host/],
      [{ urls: ['ldap://'] }, /urls\.0/],
      [{ urls: ['ldap://user:pw@127.0.0.1'] }, /urls\.0/],
      [{ urls: ['ldap://127.0.0.1/dc=x?uid'] }, /urls\.0/],
      [{ urls: ['javascript:alert(1)'] }, /urls\.0/],
      [{ urls: [] }, /urls: give at least one server URL/],
      [{ bindDn: 'cn=evil\n,dc=x' }, /bindDn: bind DN: no control characters/],
      [{ userBase: 'ou=a\u0000' }, /400|userBase/],
      [{ userFilter: '(uid=alice)' }, /userFilter: put \{username\}/],
      [{ userFilter: '(uid={username}' }, /userFilter: not a valid LDAP filter/],
      [{ caCertificate: 'not a certificate' }, /caCertificate: paste PEM/],
      [{ recheckMinutes: 0 }, /recheckMinutes: at least 1 minute/],
      [
        {
          groupRoles: [
            { group: slapdGroupDn('a'), role: 'viewer' },
            { group: slapdGroupDn('A'), role: 'deployer' },
          ],
        },
        /groupRoles\.1\.group: this group is mapped twice/,
      ],
      [{ groupRoles: [{ group: slapdGroupDn('a'), role: 'root' }] }, /groupRoles\.0\.role/],
      [{ startTls: true, urls: [slapd.tlsUrl] }, /startTls: StartTLS is for ldap:\/\//],
      [{ extra: 1 } as never, /Unrecognized key|extra/],
    ];
    for (const [change, message] of cases) {
      const answer = await putSettings({ ...settings, ...change });
      expect([change, answer.status, answer.body.error]).toEqual([
        change,
        400,
        expect.stringMatching(message),
      ]);
    }
    // The stored bind password goes only to the servers and bind DN it was given for.
    const withoutPassword: DirectorySettingsInput = { ...settings };
    delete withoutPassword.bindPassword;
    expect((await putSettings(withoutPassword)).status).toBe(200);
    for (const change of [{ urls: [slapd.url, 'ldap://127.0.0.9:389'] }, { bindDn: 'cn=other,dc=x' }]) {
      const moved = await putSettings({ ...withoutPassword, ...change });
      expect([moved.status, moved.body.error]).toEqual([
        400,
        expect.stringMatching(/^Give the bind password again/),
      ]);
      const tested = await cluster.api<ErrorDto>('POST', DIRECTORY_TEST_PATH, {
        settings: { ...withoutPassword, ...change },
        username: 'alice',
      });
      expect(tested.status).toBe(400);
    }
    // Quotes and odd characters a DN may hold are fine as they are.
    const quoted = await putSettings({
      ...settings,
      groupRoles: [...settings.groupRoles, { group: 'cn=O\\"Brien\\, Team,ou=groups,dc=x', role: 'viewer' }],
    });
    expect(quoted.status).toBe(200);
    const huge = await cluster.api<ErrorDto>('PUT', DIRECTORY_SETTINGS_PATH, {
      ...settings,
      caCertificate: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);
    // Parallel writes: each is whole, the last one stands.
    const answers = await Promise.all(
      [1, 2, 3, 4].map((minutes) => putSettings({ ...settings, recheckMinutes: minutes })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const after = (await cluster.api<DirectorySettingsDto>('GET', DIRECTORY_SETTINGS_PATH)).body;
    expect([1, 2, 3, 4]).toContain(after.recheckMinutes);
    expect({ ...after, recheckMinutes: before.recheckMinutes, updatedAt: before.updatedAt }).toEqual(before);
    expect(after.bindPasswordSet).toBe(true);
    // Only an administrator may read or change them.
    const viewer = await createUser(cluster, 'plain-viewer', 'viewer');
    expect(
      (await cluster.api('GET', DIRECTORY_SETTINGS_PATH, undefined, { apiKey: viewer.apiKey })).status,
    ).toBe(403);
  });
  it('keeps a local administrator: directory administrators do not count as the last one', async () => {
    const users = (await cluster.api<UserDto[]>('GET', '/api/users')).body;
    const byName = (name: string) => users.find((user) => user.username === name)!;
    expect(byName('bob')).toMatchObject({ role: 'administrator' });
    expect(
      (await cluster.api('PATCH', `/api/users/${byName('local-admin').id}`, { role: 'viewer' })).status,
    ).toBe(200);
    const last = await cluster.api<ErrorDto>('PATCH', `/api/users/${byName('admin').id}`, { role: 'viewer' });
    expect([last.status, last.body.error]).toEqual([
      409,
      expect.stringMatching(/'admin' is the last administrator with a local account/),
    ]);
    expect((await cluster.api('DELETE', `/api/users/${byName('admin').id}`)).status).toBe(409);
    // A directory administrator may go: the local one stays.
    expect((await cluster.api('DELETE', `/api/users/${byName('bob').id}`)).status).toBe(204);
  });
});
