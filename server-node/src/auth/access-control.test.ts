import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyDto, AuditEntryDto, ErrorDto, MeDto, UserDto } from '../api/index.js';
import { TestCluster } from '../test-support/test-cluster.js';
import type { TestUser } from '../test-support/users.js';
import { createUser, signIn } from '../test-support/users.js';

const SOME_ID = '00000000-0000-4000-8000-000000000000';

// Every route but ping, metrics and login, with the least role it needs.
const ROUTES: [method: string, path: string, role: 'viewer' | 'deployer' | 'administrator'][] = [
  ['GET', '/api/nodes', 'viewer'],
  ['GET', '/api/nodes/node-1', 'viewer'],
  ['PATCH', '/api/nodes/node-1', 'administrator'],
  ['DELETE', '/api/nodes/node-9', 'administrator'],
  ['GET', '/api/cluster', 'viewer'],
  ['PATCH', '/api/cluster', 'administrator'],
  ['POST', '/api/tasks', 'administrator'],
  ['GET', '/api/tasks', 'viewer'],
  ['GET', '/api/tasks/1', 'viewer'],
  ['POST', '/api/tasks/1/cancel', 'deployer'],
  ['POST', '/api/tasks/1/retry', 'deployer'],
  ['GET', '/api/tasks/1/log', 'viewer'],
  ['GET', '/api/tasks/1/artifacts', 'viewer'],
  ['GET', '/api/tasks/1/artifacts/report.txt', 'viewer'],
  ['GET', '/api/events', 'viewer'],
  ['GET', '/api/auth/me', 'viewer'],
  ['POST', '/api/auth/logout', 'viewer'],
  ['GET', '/api/users', 'administrator'],
  ['POST', '/api/users', 'administrator'],
  ['GET', `/api/users/${SOME_ID}`, 'administrator'],
  ['PATCH', `/api/users/${SOME_ID}`, 'administrator'],
  ['DELETE', `/api/users/${SOME_ID}`, 'administrator'],
  ['GET', `/api/users/${SOME_ID}/api-keys`, 'viewer'],
  ['POST', `/api/users/${SOME_ID}/api-keys`, 'viewer'],
  ['DELETE', `/api/users/${SOME_ID}/api-keys/${SOME_ID}`, 'viewer'],
  ['GET', '/api/audit', 'administrator'],
  ['GET', '/api/projects', 'viewer'],
  ['POST', '/api/projects', 'administrator'],
  ['GET', `/api/projects/${SOME_ID}`, 'viewer'],
  ['PATCH', `/api/projects/${SOME_ID}`, 'administrator'],
  ['DELETE', `/api/projects/${SOME_ID}`, 'administrator'],
  ['GET', `/api/projects/${SOME_ID}/variables`, 'viewer'],
  ['PUT', `/api/projects/${SOME_ID}/variables`, 'administrator'],
  ['DELETE', `/api/projects/${SOME_ID}/variables/${SOME_ID}`, 'administrator'],
  ['GET', `/api/projects/${SOME_ID}/releases`, 'viewer'],
  ['POST', `/api/projects/${SOME_ID}/releases`, 'deployer'],
  ['GET', `/api/releases/${SOME_ID}`, 'viewer'],
  ['DELETE', `/api/releases/${SOME_ID}`, 'administrator'],
  ['GET', '/api/environments', 'viewer'],
  ['POST', '/api/environments', 'administrator'],
  ['GET', `/api/environments/${SOME_ID}`, 'viewer'],
  ['PATCH', `/api/environments/${SOME_ID}`, 'administrator'],
  ['DELETE', `/api/environments/${SOME_ID}`, 'administrator'],
  ['GET', '/api/targets', 'viewer'],
  ['POST', '/api/targets', 'administrator'],
  ['GET', `/api/targets/${SOME_ID}`, 'viewer'],
  ['PUT', `/api/targets/${SOME_ID}`, 'administrator'],
  ['DELETE', `/api/targets/${SOME_ID}`, 'administrator'],
  ['POST', `/api/targets/${SOME_ID}/health-check`, 'deployer'],
  ['GET', '/api/packages', 'viewer'],
  ['PUT', '/api/packages/app/1.0.0', 'deployer'],
  ['POST', '/api/packages?id=app&version=1.0.0', 'deployer'],
  ['GET', '/api/packages/app/1.0.0', 'viewer'],
  ['GET', '/api/packages/app/1.0.0/download', 'viewer'],
  ['DELETE', '/api/packages/app/1.0.0', 'administrator'],
  ['POST', '/api/deployments', 'deployer'],
  ['GET', '/api/deployments', 'viewer'],
  ['GET', `/api/deployments/${SOME_ID}`, 'viewer'],
  ['GET', '/api/dashboard', 'viewer'],
  ['GET', '/api/retention', 'viewer'],
  ['PATCH', '/api/retention', 'administrator'],
  ['POST', '/api/retention/run', 'administrator'],
];

describe('access control', () => {
  const cluster = new TestCluster();
  let deployer: TestUser;
  let viewer: TestUser;
  beforeAll(async () => {
    await cluster.create({ nodes: 2 });
    deployer = await createUser(cluster, 'dora', 'deployer');
    viewer = await createUser(cluster, 'victor', 'viewer');
  });
  afterAll(() => cluster.destroy());

  it("makes init's API key the bootstrap administrator's", async () => {
    const me = await cluster.api<MeDto>('GET', '/api/auth/me');
    expect(me.body).toMatchObject({
      user: { username: 'admin', role: 'administrator' },
      via: 'api-key',
      node: 'node-1',
    });
    const users = await cluster.api<UserDto[]>('GET', '/api/users');
    expect(users.body.map((u) => [u.username, u.role])).toEqual([
      ['admin', 'administrator'],
      ['dora', 'deployer'],
      ['victor', 'viewer'],
    ]);
  });

  it('enforces the declared role on every route', async () => {
    for (const [method, path, role] of ROUTES) {
      const anonymous = await cluster.api<ErrorDto>(method, path, undefined, { apiKey: null });
      expect({ method, path, status: anonymous.status }).toEqual({ method, path, status: 401 });
      if (role !== 'viewer') {
        const denied = await cluster.api<ErrorDto>(method, path, method === 'GET' ? undefined : {}, {
          apiKey: viewer.apiKey,
        });
        expect({ method, path, status: denied.status }).toEqual({ method, path, status: 403 });
        expect(denied.body.error).toMatch(`needs the ${role} role; victor is a viewer`);
      }
      if (role === 'administrator') {
        const denied = await cluster.api<ErrorDto>(method, path, method === 'GET' ? undefined : {}, {
          apiKey: deployer.apiKey,
        });
        expect({ method, path, status: denied.status }).toEqual({ method, path, status: 403 });
      }
    }
    // And what a role may do, it can: a viewer reads, a deployer cancels (404 here: past the role check).
    expect((await cluster.api('GET', '/api/nodes', undefined, { apiKey: viewer.apiKey })).status).toBe(200);
    expect(
      (await cluster.api('POST', '/api/tasks/1/cancel', undefined, { apiKey: deployer.apiKey })).status,
    ).toBe(404);
  });

  it('signs in with a password, and any node accepts the session', async () => {
    const url1 = cluster.node('node-1').url;
    const url2 = cluster.node('node-2').url;
    const session = await signIn(url1, 'Dora', deployer.password);
    expect(session.setCookie).toMatch(
      /^flotilla_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/,
    );
    const me = await fetch(`${url2}/api/auth/me`, { headers: { cookie: session.cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      user: { username: 'dora', role: 'deployer' },
      via: 'session',
      node: 'node-2',
    });

    // Behind a TLS-terminating balancer the cookie is Secure with the __Host- prefix.
    const secure = await fetch(`${url1}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ username: 'dora', password: deployer.password }),
    });
    expect(secure.headers.get('set-cookie')).toMatch(
      /^__Host-flotilla_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/,
    );

    // Writes with a session need the CSRF token; API keys do not.
    const withoutToken = await fetch(`${url2}/api/tasks/1/cancel`, {
      method: 'POST',
      headers: { cookie: session.cookie },
    });
    expect(withoutToken.status).toBe(403);
    expect(((await withoutToken.json()) as ErrorDto).error).toMatch(/CSRF token/);
    const withToken = await fetch(`${url2}/api/tasks/1/cancel`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });
    expect(withToken.status).toBe(404);

    const logout = await fetch(`${url2}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });
    expect(logout.status).toBe(204);
    expect((await fetch(`${url1}/api/auth/me`, { headers: { cookie: session.cookie } })).status).toBe(401);
  });

  it('limits failed sign-ins per user and address across all nodes', async () => {
    const limited = await createUser(cluster, 'lisa', 'viewer');
    for (let i = 0; i < 5; i++) {
      const node = i % 2 === 0 ? 'node-1' : 'node-2';
      const wrong = await cluster.api<ErrorDto>(
        'POST',
        '/api/auth/login',
        { username: 'lisa', password: 'wrong' },
        { node, apiKey: null },
      );
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('Wrong user name or password.');
    }
    const blocked = await cluster.api<ErrorDto>(
      'POST',
      '/api/auth/login',
      { username: 'lisa', password: limited.password },
      { node: 'node-2', apiKey: null },
    );
    expect(blocked.status).toBe(429);
    // A delay that grows with each failure, not a lock (more in sign-in-throttle.test.ts).
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(5);
    expect(blocked.body.error).toMatch(/Too many failed sign-ins from this address\. Try again in \d+ s/);
    // Another user is not affected.
    expect((await signIn(cluster.node('node-2').url, 'victor', viewer.password)).csrfToken).toBeTruthy();
  });

  it('validates user changes, keeps one administrator, and lets users manage their own keys only', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      [
        'POST',
        '/api/users',
        { username: 'x', password: 'short', role: 'viewer' },
        400,
        /password: use at least 12 characters/,
      ],
      [
        'POST',
        '/api/users',
        { username: 'bad name', password: 'long-enough-pass', role: 'viewer' },
        400,
        /username/,
      ],
      ['POST', '/api/users', { username: 'eve', password: 'long-enough-pass', role: 'root' }, 400, /role/],
      [
        'POST',
        '/api/users',
        { username: 'dora', password: 'long-enough-pass', role: 'viewer' },
        409,
        /already exists/,
      ],
      ['PATCH', `/api/users/${SOME_ID}`, { role: 'viewer' }, 404, /No user/],
      ['PATCH', `/api/users/not-a-uuid`, { role: 'viewer' }, 400, /id: user id must be a UUID/],
      ['PATCH', `/api/users/${deployer.id}`, {}, 400, /give role, password and\/or disabled/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const response = await cluster.api<ErrorDto>(method, path, body);
      expect({ path, status: response.status }).toEqual({ path, status });
      expect(response.body.error).toMatch(message);
    }
    const admin = (await cluster.api<UserDto[]>('GET', '/api/users')).body.find(
      (u) => u.username === 'admin',
    )!;
    const demote = await cluster.api<ErrorDto>('PATCH', `/api/users/${admin.id}`, { role: 'viewer' });
    expect(demote.status).toBe(409);
    expect(demote.body.error).toMatch(/last administrator/);

    // A viewer creates and deletes its own keys, but cannot touch another user's.
    const created = await cluster.api<{ id: string; key: string }>(
      'POST',
      `/api/users/${viewer.id}/api-keys`,
      { name: 'ci' },
      { apiKey: viewer.apiKey },
    );
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^flt_/);
    const keys = await cluster.api<ApiKeyDto[]>('GET', `/api/users/${viewer.id}/api-keys`, undefined, {
      apiKey: viewer.apiKey,
    });
    expect(keys.body.map((k) => k.name).sort()).toEqual(['ci', 'test']);
    expect(JSON.stringify(keys.body)).not.toMatch(/flt_/);
    expect(
      (await cluster.api('GET', `/api/users/${deployer.id}/api-keys`, undefined, { apiKey: viewer.apiKey }))
        .status,
    ).toBe(403);
    expect(
      (
        await cluster.api('DELETE', `/api/users/${viewer.id}/api-keys/${created.body.id}`, undefined, {
          apiKey: viewer.apiKey,
        })
      ).status,
    ).toBe(204);
    expect((await cluster.api('GET', '/api/auth/me', undefined, { apiKey: created.body.key })).status).toBe(
      401,
    );

    // A new password ends the user's sessions; a disabled user's keys stop working.
    const session = await signIn(cluster.node('node-1').url, 'victor', viewer.password);
    await cluster.api('PATCH', `/api/users/${viewer.id}`, { password: 'a-brand-new-password' });
    expect(
      (await fetch(`${cluster.node('node-1').url}/api/auth/me`, { headers: { cookie: session.cookie } }))
        .status,
    ).toBe(401);
    await cluster.api('PATCH', `/api/users/${viewer.id}`, { disabled: true });
    expect((await cluster.api('GET', '/api/nodes', undefined, { apiKey: viewer.apiKey })).status).toBe(401);
    await cluster.api('PATCH', `/api/users/${viewer.id}`, { disabled: false });
  });

  it('records who did what in the audit log, cluster actions included', async () => {
    await cluster.api('PATCH', '/api/nodes/node-2', { drain: true });
    await cluster.api('PATCH', '/api/nodes/node-2', { drain: false, taskCap: 3 });
    await cluster.api('PATCH', '/api/cluster', { paused: true });
    await cluster.api('PATCH', '/api/cluster', { paused: false });
    await cluster.addNode('node-3');
    await cluster.stopNode('node-3');
    expect((await cluster.api('DELETE', '/api/nodes/node-3')).status).toBe(204);
    await cluster.api('PATCH', '/api/cluster', { paused: 'no' });

    const audit = await cluster.api<AuditEntryDto[]>('GET', '/api/audit?limit=50', undefined, {
      node: 'node-2',
    });
    const actions = audit.body.map((e) => [e.actor, e.action, e.target]);
    expect(actions.slice(0, 6)).toEqual([
      ['admin (api key administrator)', 'node.delete', 'node-3'],
      ['admin (api key administrator)', 'cluster.resume', 'queue'],
      ['admin (api key administrator)', 'cluster.pause', 'queue'],
      ['admin (api key administrator)', 'node.undrain', 'node-2'],
      ['admin (api key administrator)', 'node.drain', 'node-2'],
      ['admin (api key administrator)', 'user.update', 'victor'],
    ]);
    expect(actions).toContainEqual(['lisa', 'auth.login-failed', 'lisa']);
    expect(actions).toContainEqual(['dora', 'auth.login', 'dora']);
    expect(actions).toContainEqual(['admin (api key administrator)', 'user.create', 'dora']);
    expect(audit.body.find((e) => e.action === 'node.undrain')?.details).toEqual({
      drain: false,
      taskCap: 3,
    });
    // Failed requests leave no entry; passwords never appear.
    expect(JSON.stringify(audit.body)).not.toMatch(/correct-horse|brand-new-password/);
    const filtered = await cluster.api<AuditEntryDto[]>('GET', '/api/audit?action=cluster.');
    expect(filtered.body.map((e) => e.action)).toEqual(['cluster.resume', 'cluster.pause']);
  });
});
