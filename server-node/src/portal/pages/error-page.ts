import { html } from '../html.js';
import type { PageContext } from '../layout.js';
import { layout } from '../layout.js';

export function errorPage(page: PageContext, status: number, message: string): string {
  return layout(
    page,
    status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Something went wrong',
    html`<p class="error" role="alert">${message}</p>
      <p><a href="/">Back to the dashboard</a></p>`,
  );
}
