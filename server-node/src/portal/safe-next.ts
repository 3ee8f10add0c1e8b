const ORIGIN = 'http://x.invalid';

/**
 * Where to send a user after signing in: a path on this site, or '/'. An open redirect would let a
 * link sign users in and hand them to another site. Browsers drop tabs and newlines from URLs and
 * read '\' as '/', so '/\t/evil.example' is '//evil.example' to them: the target is parsed the
 * browser's way (WHATWG URL) and sent re-serialised, never as it came.
 */
export function safeNext(next: string): string {
  // A path of ours never holds a backslash or a control character: refuse them rather than guess.
  if (!next.startsWith('/') || /[\\\p{Cc}]/u.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, ORIGIN);
  } catch {
    return '/';
  }
  if (url.origin !== ORIGIN) return '/';
  const target = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can leave a path starting with '//' ('/.//evil.example'): that is another host.
  return target.startsWith('//') ? '/' : target;
}
