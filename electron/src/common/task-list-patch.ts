import type { TaskDto, TaskFilterDto } from './contract.js';
import { TASK_LIST_LIMIT } from './contract.js';

// A task list on screen is kept current from task events without reading it again: the console asks
// for just the tasks the events named (`tasks:list` with `ids`) and patches them into every list it
// holds. Reading a 10,000-task list again for every event would take seconds on a busy cluster.

/** Orders task ids (decimal strings of a bigint) as numbers: '10' after '9'. */
export function compareTaskIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Whether a task belongs in a list with this filter (the server's own rules: state, node, kind). */
export function taskMatches(task: TaskDto, filter: TaskFilterDto): boolean {
  return (
    (!filter.state || task.state === filter.state) &&
    (!filter.node || task.node === filter.node) &&
    (!filter.kind || task.kind === filter.kind) &&
    (!filter.ids || filter.ids.includes(task.id))
  );
}

/**
 * `list` (newest first, as the server sends it) after the tasks `asked` for changed: each of them as
 * `current` has it now, where the filter still wants it; one `current` leaves out no longer exists
 * (retention removed it) and leaves the list. A task newer than the list's oldest row, or any new task
 * while the list is short of its limit, is put in its place; the list keeps at most its limit.
 */
export function patchTaskList(
  list: readonly TaskDto[],
  filter: TaskFilterDto,
  asked: readonly string[],
  current: readonly TaskDto[],
): TaskDto[] {
  const askedIds = new Set(asked);
  const limit = filter.limit ?? TASK_LIST_LIMIT;
  const full = list.length >= limit;
  const oldest = list.at(-1)?.id;
  const kept = list.filter((task) => !askedIds.has(task.id));
  const added = current.filter(
    (task) =>
      askedIds.has(task.id) &&
      taskMatches(task, filter) &&
      // A full list stops at its oldest row: what is older was never in it.
      (!full || oldest === undefined || compareTaskIds(task.id, oldest) >= 0),
  );
  if (added.length === 0 && kept.length === list.length) return list as TaskDto[];
  return [...kept, ...added].sort((a, b) => compareTaskIds(b.id, a.id)).slice(0, limit);
}
