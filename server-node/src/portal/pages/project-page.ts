import type { EnvironmentDto, PackageDto, ProjectDto, ReleaseDto, StepDto } from '../../api/index.js';
import { hasRole } from '../../api/roles.js';
import { html } from '../html.js';
import type { PageContext } from '../layout.js';
import { layout, when } from '../layout.js';

function describeStep(step: StepDto): string {
  switch (step.type) {
    case 'script':
      return `${step.shell} script on ${step.runOn === 'node' ? 'the node' : 'each target'}`;
    case 'deploy-package':
      return `deploy package ${step.packageId}${step.preDeployScript ? ', pre-deploy script' : ''}${step.postDeployScript ? ', post-deploy script' : ''}`;
    case 'http-check':
      return `HTTP check ${step.url} expects ${step.expectedStatus}`;
  }
}

export function projectPage(
  page: PageContext,
  data: {
    project: ProjectDto;
    releases: ReleaseDto[];
    environments: EnvironmentDto[];
    packages: PackageDto[];
    error?: string | undefined;
  },
): string {
  const { project, releases, environments, packages } = data;
  const canDeploy = page.principal ? hasRole(page.principal.role, 'deployer') : false;
  const csrf = page.principal?.csrfToken ?? '';
  const packageIds = [
    ...new Set(project.process.flatMap((s) => (s.type === 'deploy-package' ? [s.packageId] : []))),
  ];
  const denied = html`<p class="hint">
    Creating releases and deploying needs the deployer role; you are a ${page.principal?.role}.
  </p>`;
  const body = html` ${data.error ? html`<p class="error" role="alert">${data.error}</p>` : ''}
    ${project.description ? html`<p>${project.description}</p>` : ''}
    <h2>Process</h2>
    ${
      project.process.length === 0
        ? html`<p class="hint">No steps yet.</p>`
        : html`<ol>
            ${project.process.map((step) => html`<li><strong>${step.name}</strong> — ${describeStep(step)}</li>`)}
          </ol>`
    }
    <h2>Create release</h2>
    ${
      canDeploy
        ? html`<form method="post" action="/projects/${project.id}/releases">
            <input type="hidden" name="_csrf" value="${csrf}" />
            <label for="version">Version</label>
            <input id="version" name="version" required pattern="[A-Za-z0-9][A-Za-z0-9._+\\-]*" />
            ${packageIds.map(
              (id) =>
                html`<label for="pkg-${id}">Package ${id}</label>
                  <select id="pkg-${id}" name="package:${id}">
                    ${packages.filter((p) => p.packageId === id).map((p) => html`<option value="${p.version}">${p.version}</option>`)}
                  </select>`,
            )}
            <p><button type="submit">Create release</button></p>
          </form>`
        : denied
    }
    <h2>Releases</h2>
    ${
      releases.length === 0
        ? html`<p class="hint">No releases yet.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Packages</th>
                <th scope="col">Created</th>
                <th scope="col">Deploy</th>
              </tr>
            </thead>
            <tbody>
              ${releases.map(
                (release) =>
                  html`<tr>
                    <td>${release.version}</td>
                    <td>
                      ${
                        Object.entries(release.packages)
                          .map(([id, version]) => `${id} ${version}`)
                          .join(', ') || '—'
                      }
                    </td>
                    <td>${when(release.createdAt)} by ${release.createdBy}</td>
                    <td>
                      ${
                        canDeploy
                          ? html`<form class="inline" method="post" action="/releases/${release.id}/deploy">
                              <input type="hidden" name="_csrf" value="${csrf}" />
                              <label class="visually-hidden" for="env-${release.id}"
                                >Environment for ${release.version}</label
                              >
                              <select id="env-${release.id}" name="environmentId">
                                ${environments.map((e) => html`<option value="${e.id}">${e.name}</option>`)}
                              </select>
                              <button type="submit">Deploy ${release.version}</button>
                            </form>`
                          : html`<button disabled title="Deploying needs the deployer role">Deploy</button>`
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
  return layout(page, project.name, body);
}
