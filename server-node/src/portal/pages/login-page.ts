import { html } from '../html.js';
import type { PageContext } from '../layout.js';
import { layout } from '../layout.js';

export function loginPage(
  page: PageContext,
  options: { next: string; csrfToken: string; error?: string; username?: string },
): string {
  return layout(
    page,
    'Sign in',
    html`<form class="login" method="post" action="/login">
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <input type="hidden" name="next" value="${options.next}" />
      <input type="hidden" name="_csrf" value="${options.csrfToken}" />
      <label for="username">User name</label>
      <input
        id="username"
        name="username"
        autocomplete="username"
        required
        autofocus
        value="${options.username ?? ''}"
      />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <p><button type="submit">Sign in</button></p>
    </form>`,
  );
}
