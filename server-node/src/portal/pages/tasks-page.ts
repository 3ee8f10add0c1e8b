import type { TaskDto } from '../../api/index.js';
import { html } from '../html.js';
import type { PageContext } from '../layout.js';
import { layout, stateBadge, when } from '../layout.js';

export function tasksPage(page: PageContext, tasks: TaskDto[]): string {
  return layout(
    page,
    'Tasks',
    html`<table>
      <thead>
        <tr>
          <th scope="col">Task</th>
          <th scope="col">Kind</th>
          <th scope="col">Description</th>
          <th scope="col">State</th>
          <th scope="col">Node</th>
          <th scope="col">Attempts</th>
          <th scope="col">Queued</th>
          <th scope="col">Finished</th>
        </tr>
      </thead>
      <tbody>
        ${tasks.map(
          (task) =>
            html`<tr>
              <td><a href="/tasks/${task.id}">#${task.id}</a></td>
              <td>${task.kind}</td>
              <td>${task.description ?? ''}</td>
              <td>${stateBadge(task.state)}</td>
              <td>${task.node ?? '—'}</td>
              <td>${task.attempts}</td>
              <td>${when(task.queuedAt)}</td>
              <td>${when(task.finishedAt)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`,
  );
}
