import { UserError } from '../../common/user-error.js';

/** `http(s)://host[:port][/path]` without a trailing slash, so paths can be appended as `${url}/api/...`. */
export function normalizeUrl(input: string): string {
  const trimmed = input.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    throw new UserError(
      `'${input}' is not a URL. Enter the balancer's address, e.g. https://flotilla.example.com.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(
      `'${input}' is not an http(s) URL. Enter the balancer's address, e.g. https://flotilla.example.com.`,
    );
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
