import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentDto, ErrorDto, TargetDto } from '../api/index.js';
import { readNodeConfig } from '../config/node-config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { createEnvironment, createTarget } from '../test-support/domain-setup.js';
import { TestCluster } from '../test-support/test-cluster.js';
import type { DbTarget } from './target-rows.js';
import { openTargetAuth } from './target-rows.js';

const PIN_A = `SHA256:${'A'.repeat(43)}`;
const PIN_B = `SHA256:${'B'.repeat(43)}`;

describe("an SSH target's stored credentials", () => {
  const cluster = new TestCluster();
  let environment: EnvironmentDto;
  let target: TargetDto;
  let secrets: SecretBox;
  const endpoint = () => ({
    kind: 'ssh',
    name: 'web-1',
    environmentId: environment.id,
    roles: ['web'],
    deployRoot: '/opt/apps',
    host: 'web-1.internal',
    port: 22,
    username: 'deploy',
    hostKeyFingerprint: PIN_A,
  });
  const storedAuth = async () => {
    const row = (await cluster.db.query<DbTarget>(`select * from targets where id = $1`, [target.id]))
      .rows[0]!;
    return openTargetAuth(secrets, row);
  };

  beforeAll(async () => {
    await cluster.create({ nodes: 1 });
    secrets = new SecretBox((await readNodeConfig(cluster.node('node-1').home)).masterKey);
    environment = await createEnvironment(cluster, 'Production');
    target = await createTarget(cluster, {
      ...endpoint(),
      auth: { kind: 'password', password: 'first-password' },
    });
  });
  afterAll(() => cluster.destroy());

  it('are kept when only the name, roles or folder change', async () => {
    const renamed = await cluster.api<TargetDto>('PUT', `/api/targets/${target.id}`, {
      ...endpoint(),
      name: 'web-one',
      roles: ['web', 'api'],
      deployRoot: '/srv/apps',
      // The same endpoint, as a client might send it: padded, with the default port left out.
      host: '  web-1.internal ',
      port: undefined,
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'web-one', hasSecret: true, authKind: 'password' });
    expect(await storedAuth()).toEqual({ kind: 'password', password: 'first-password' });
  });

  it('are never carried to another host, port, user or host key: the request must give them again', async () => {
    const changes: [change: object, field: RegExp][] = [
      [{ host: 'attacker.example' }, /host changed from 'web-1\.internal' to 'attacker\.example'/],
      [{ host: 'WEB-1.internal' }, /host changed/],
      [{ host: 'web-1.internal.' }, /host changed/],
      [{ port: 2222 }, /port changed from 22 to 2222/],
      [{ username: 'root' }, /username changed from 'deploy' to 'root'/],
      [{ hostKeyFingerprint: PIN_B }, /hostKeyFingerprint changed/],
      [{ hostKeyFingerprint: undefined }, /hostKeyFingerprint changed/],
      [{ host: '10.0.0.9', port: 2200 }, /host changed .*; port changed/],
    ];
    for (const [change, field] of changes) {
      const response = await cluster.api<ErrorDto>('PUT', `/api/targets/${target.id}`, {
        ...endpoint(),
        ...change,
      });
      expect({ change, status: response.status }).toEqual({ change, status: 400 });
      expect(response.body.error).toMatch(field);
      expect(response.body.error).toMatch(/give the password or private key again/);
      expect(response.body.issues?.map((issue) => issue.path)).toEqual(['auth']);
    }
    const unchanged = (await cluster.api<TargetDto>('GET', `/api/targets/${target.id}`)).body;
    expect(unchanged).toMatchObject({ host: 'web-1.internal', port: 22, username: 'deploy' });
    expect(unchanged.hostKeyFingerprint).toBe(PIN_A);
    expect(await storedAuth()).toEqual({ kind: 'password', password: 'first-password' });
  });

  it('move to a new host only with the credential given for it', async () => {
    const moved = await cluster.api<TargetDto>('PUT', `/api/targets/${target.id}`, {
      ...endpoint(),
      host: 'web-2.internal',
      hostKeyFingerprint: PIN_B,
      auth: { kind: 'password', password: 'second-password' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ host: 'web-2.internal', hostKeyFingerprint: PIN_B, hasSecret: true });
    expect(await storedAuth()).toEqual({ kind: 'password', password: 'second-password' });
  });

  it('are dropped with a switch to the node, and must be given when switching back', async () => {
    const toNode = await cluster.api<TargetDto>('PUT', `/api/targets/${target.id}`, {
      kind: 'node',
      name: 'web-1',
      environmentId: environment.id,
      deployRoot: '/opt/apps',
    });
    expect(toNode.body).toMatchObject({ kind: 'node', hasSecret: false });
    const back = await cluster.api<ErrorDto>('PUT', `/api/targets/${target.id}`, endpoint());
    expect(back.status).toBe(400);
    expect(back.body.issues?.map((issue) => issue.path)).toEqual(['auth']);
  });
});
