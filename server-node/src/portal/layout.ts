import type { MaintenanceDto } from '../api/index.js';
import type { Principal } from '../auth/principal.js';
import { VERSION } from '../version.js';
import type { Html } from './html.js';
import { html } from './html.js';

export interface PageContext {
  node: string;
  principal: Principal | null;
  /** The cluster's maintenance flag: every page shows a banner while it is set. */
  maintenance?: MaintenanceDto | null;
}

/** The banner every page shows while the cluster is in maintenance (e.g. the migration's switch-over). */
function maintenanceBanner(maintenance: MaintenanceDto | null | undefined): Html | null {
  if (!maintenance) return null;
  return html`<div class="banner" role="status">
    <strong>Maintenance: ${maintenance.reason}.</strong> You can look around; changes are paused until it ends
    (administrators excepted). Since ${when(maintenance.since)}.
  </div>`;
}

/** Every page: skip link, navigation, who is signed in, and which node served the page. */
export function layout(page: PageContext, title: string, body: Html): string {
  const { principal } = page;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Flotilla</title>
        <link rel="stylesheet" href="/portal.css" />
        <script src="/portal.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <strong>Flotilla</strong>
          ${
            principal
              ? html`<nav aria-label="Main"><a href="/">Dashboard</a><a href="/tasks">Tasks</a></nav>
                  <span>${principal.username} (${principal.role})</span>
                  <form method="post" action="/logout">
                    <input type="hidden" name="_csrf" value="${principal.csrfToken ?? ''}" /><button>
                      Sign out
                    </button>
                  </form>`
              : html`<nav aria-label="Main"></nav>`
          }
        </header>
        ${maintenanceBanner(page.maintenance)}
        <main id="main" tabindex="-1">
          <h1>${title}</h1>
          ${body}
        </main>
        <footer>Served by <span id="served-by">${page.node}</span> · Flotilla ${VERSION}</footer>
      </body>
    </html> `.value;
}

export function stateBadge(state: string): Html {
  return html`<span class="state state-${state}">${state}</span>`;
}

export function when(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—';
}
