import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '../test-support/request-from.js';
import { requestFrom } from '../test-support/request-from.js';
import { TestCluster } from '../test-support/test-cluster.js';
import type { TestUser } from '../test-support/users.js';
import { createUser } from '../test-support/users.js';

// Issue 15, items 3 and 6: the portal's sign-in form, driven with raw HTTP so every byte of the
// hostile input reaches the node as written.

function setCookies(answer: Answer): string[] {
  return answer.headers['set-cookie'] ?? [];
}

describe("the portal's sign-in form", () => {
  const cluster = new TestCluster();
  let url = '';
  let paula: TestUser;
  beforeAll(async () => {
    await cluster.create({ nodes: 1 });
    url = cluster.node('node-1').url;
    paula = await createUser(cluster, 'paula', 'deployer');
  });
  afterAll(() => cluster.destroy());

  /** GET /login like a browser: the CSRF cookie to send back and the token in the form. */
  async function openForm(next?: string): Promise<{ cookie: string; token: string; page: string }> {
    const answer = await requestFrom(
      `${url}/login${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`,
    );
    expect(answer.status).toBe(200);
    const cookie = setCookies(answer).find((c) => c.startsWith('flotilla_login_csrf='));
    expect(cookie).toMatch(/^flotilla_login_csrf=[\w-]{32}; Path=\/; HttpOnly; SameSite=Strict$/);
    const token = /name="_csrf" value="([\w-]{32})"/.exec(answer.body)?.[1];
    expect(cookie).toBe(`flotilla_login_csrf=${token}; Path=/; HttpOnly; SameSite=Strict`);
    return { cookie: cookie!.split(';')[0]!, token: token!, page: answer.body };
  }

  /** POST /login with a url-encoded body written by hand, as a hostile client would. */
  function postForm(body: string, cookie?: string): Promise<Answer> {
    return requestFrom(`${url}/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(cookie ? { cookie } : {}),
      },
      body,
    });
  }

  const credentials = () => `username=paula&password=${encodeURIComponent(paula.password)}`;

  it('needs the CSRF token from its own form: another site cannot sign a browser in', async () => {
    const { cookie, token } = await openForm();

    const forged = await postForm(credentials());
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('This sign-in form has expired. Sign in again.');
    expect(setCookies(forged).some((c) => c.includes('flotilla_session='))).toBe(false);

    const fieldOnly = await postForm(`${credentials()}&_csrf=${token}`);
    expect(fieldOnly.status).toBe(403);
    const cookieOnly = await postForm(credentials(), cookie);
    expect(cookieOnly.status).toBe(403);
    const mismatched = await postForm(`${credentials()}&_csrf=${'A'.repeat(32)}`, cookie);
    expect(mismatched.status).toBe(403);
    expect(setCookies(mismatched).some((c) => c.includes('flotilla_session='))).toBe(false);

    const signedIn = await postForm(`${credentials()}&_csrf=${token}`, cookie);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/');
    expect(setCookies(signedIn).some((c) => c.startsWith('flotilla_session='))).toBe(true);
  });

  it("keeps the browser's token across pages, so a second tab still signs in", async () => {
    const first = await openForm();
    const again = await requestFrom(`${url}/login`, { headers: { cookie: first.cookie } });
    expect(setCookies(again)).toEqual([]);
    expect(again.body).toContain(`name="_csrf" value="${first.token}"`);
  });

  // The form's `next` as sent on the wire (already url-encoded), and where the browser may be sent.
  const targets: [next: string, location: string][] = [
    ['/%09/evil.example', '/'], // the reported one: a tab, which browsers drop
    ['/%0A/evil.example', '/'],
    ['/%0D%0A/evil.example', '/'],
    ['%09//evil.example', '/'],
    ['%2F%2Fevil.example', '/'],
    ['//evil.example', '/'],
    ['/%5Cevil.example', '/'], // a backslash, which browsers read as a slash
    ['%5C%5Cevil.example', '/'],
    ['/.//evil.example', '/'],
    ['/a/..//evil.example', '/'],
    ['javascript:alert(document.cookie)', '/'],
    ['javascript%3Aalert(1)', '/'],
    ['http://evil.example/', '/'],
    ['https%3A%2F%2Fevil.example', '/'],
    ['http:evil.example', '/'],
    ['/%252F%252Fevil.example', '/%2F%2Fevil.example'], // encoded slashes are a path of ours
    ['/tasks%3Fstate%3Dqueued', '/tasks?state=queued'],
    ['/projects/42#releases', '/projects/42#releases'],
  ];

  it.each(targets)('after sign-in, next=%s redirects to %s', async (next, location) => {
    const { cookie, token } = await openForm();
    const answer = await postForm(`${credentials()}&_csrf=${token}&next=${next}`, cookie);
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe(location);
  });

  it('puts only a safe next into the form it serves', async () => {
    expect((await openForm('/\t/evil.example')).page).toContain('name="next" value="/"');
    expect((await openForm('/tasks')).page).toContain('name="next" value="/tasks"');
  });
});
