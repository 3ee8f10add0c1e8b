import type { DashboardDto } from '../../api/index.js';
import { html } from '../html.js';
import type { PageContext } from '../layout.js';
import { layout, stateBadge } from '../layout.js';

/** Projects × environments, each cell the latest deployment and its state. */
export function dashboardPage(page: PageContext, dashboard: DashboardDto): string {
  const latest = new Map(dashboard.latest.map((d) => [`${d.projectId}/${d.environmentId}`, d]));
  const body =
    dashboard.projects.length === 0
      ? html`<p>
          No projects yet. An administrator creates them through the API (<code>POST /api/projects</code>).
        </p>`
      : html`<table>
          <thead>
            <tr>
              <th scope="col">Project</th>
              ${dashboard.environments.map((e) => html`<th scope="col">${e.name}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${dashboard.projects.map(
              (project) =>
                html`<tr>
                  <th scope="row"><a href="/projects/${project.id}">${project.name}</a></th>
                  ${dashboard.environments.map((environment) => {
                    const deployment = latest.get(`${project.id}/${environment.id}`);
                    return deployment
                      ? html`<td>
                          <a href="/tasks/${deployment.taskId}">${deployment.releaseVersion}</a>
                          ${stateBadge(deployment.state)}
                        </td>`
                      : html`<td class="hint">—</td>`;
                  })}
                </tr>`,
            )}
          </tbody>
        </table>`;
  return layout(page, 'Dashboard', body);
}
