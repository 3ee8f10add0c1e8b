import type { CreatedApiKeyDto, MeDto, Role, UserDto } from '../api/index.js';
import type { TestCluster } from './test-cluster.js';

export interface TestUser {
  id: string;
  username: string;
  password: string;
  apiKey: string;
}

/** Creates a user with the administrator key, and an API key for it. */
export async function createUser(cluster: TestCluster, username: string, role: Role): Promise<TestUser> {
  const password = `${username}-correct-horse-battery`;
  const created = await cluster.api<UserDto>('POST', '/api/users', { username, password, role });
  if (created.status !== 201)
    throw new Error(`creating ${username}: ${created.status} ${JSON.stringify(created.body)}`);
  const key = await cluster.api<CreatedApiKeyDto>('POST', `/api/users/${created.body.id}/api-keys`, {
    name: 'test',
  });
  return { id: created.body.id, username, password, apiKey: key.body.key };
}

export interface BrowserSession {
  cookie: string;
  csrfToken: string;
  setCookie: string;
}

/** Signs in through the API like a browser would; returns the cookie to send back and the CSRF token. */
export async function signIn(url: string, username: string, password: string): Promise<BrowserSession> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const me = (await response.json()) as MeDto;
  return { cookie: setCookie.split(';')[0]!, csrfToken: me.csrfToken!, setCookie };
}
