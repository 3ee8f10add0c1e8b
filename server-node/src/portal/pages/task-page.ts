import type { ArtifactDto, DeploymentDetailDto, TaskDetailDto } from '../../api/index.js';
import { html } from '../html.js';
import type { PageContext } from '../layout.js';
import { layout, when } from '../layout.js';

/** A task: where each attempt ran, the deployment's steps, and the log, followed live by portal.js. */
export function taskPage(
  page: PageContext,
  task: TaskDetailDto,
  deployment: DeploymentDetailDto | null,
  artifacts: ArtifactDto[],
): string {
  const body = html` <p>
      ${task.description ?? task.kind} —
      <span id="task-state" class="state state-${task.state}" aria-live="polite">${task.state}</span>
      ${task.error ? html`<br /><span class="error">${task.error}</span>` : ''}
    </p>
    ${deployment ? html`<p>Project <a href="/projects/${deployment.projectId}">${deployment.projectName}</a>, release ${deployment.releaseVersion}, environment ${deployment.environmentName}.</p>` : ''}
    <h2>Attempts</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Attempt</th>
          <th scope="col">Node</th>
          <th scope="col">Started</th>
          <th scope="col">Finished</th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        ${task.attemptsDetail.map(
          (a) =>
            html`<tr>
              <td>${a.attempt}</td>
              <td>${a.node}</td>
              <td>${when(a.startedAt)}</td>
              <td>${when(a.finishedAt)}</td>
              <td>${a.outcome}${a.note ? ` (${a.note})` : ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${
      deployment && deployment.steps.length > 0
        ? html`<h2>Steps</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col">Target</th>
                  <th scope="col">Node</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                ${deployment.steps.map(
                  (s) =>
                    html`<tr>
                      <td>${s.stepIndex + 1}. ${s.stepName}</td>
                      <td>${s.target}</td>
                      <td>${s.node}</td>
                      <td>${s.outcome}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : ''
    }
    ${
      artifacts.length > 0
        ? html`<h2>Artifacts</h2>
            <ul>
              ${artifacts.map((a) => html`<li><a href="/api/tasks/${task.id}/artifacts/${a.name}" download>${a.name}</a> (${a.sizeBytes} bytes)</li>`)}
            </ul>`
        : ''
    }
    <h2>Log</h2>
    <pre class="log" id="log" data-task="${task.id}" tabindex="0" aria-label="Task log" aria-live="off">
Loading…</pre>`;
  return layout(page, `Task #${task.id}`, body);
}
