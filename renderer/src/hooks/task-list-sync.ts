import type { ClustersDto, EventDto, TaskDto, TaskFilterDto } from '@flotilla/electron/common/contract';
import { TASK_LIST_LIMIT } from '@flotilla/electron/common/contract';
import { patchTaskList } from '@flotilla/electron/common/task-list-patch';
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { queryKeys } from './query-keys';

/** Task events that arrive this close together are answered with one read. */
const BATCH_MS = 100;
/** Past this many changed tasks at once, reading the lists again costs less than naming every task. */
const PATCH_MAX_IDS = 2000;

/**
 * Keeps the cached task lists current from task events: the ids the events name are gathered for a
 * moment, read in one `tasks:list` with `ids`, and patched into every list in the cache (a row moves,
 * changes or leaves; a new task takes its place at the top). One read at a time, so an older answer
 * never overwrites a newer one. A list that cannot be patched (another cluster's, one still loading,
 * a full one that lost a row, an event without an id) is read again instead.
 */
export function createTaskListSync(client: QueryClient, read: (ids: string[]) => Promise<TaskDto[]>) {
  const pending = new Map<string, Set<string> | 'all'>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;

  const schedule = () => {
    if (!timer && !running) timer = setTimeout(() => void flush(), BATCH_MS);
  };

  const reloadLists = (clusterId: string) =>
    void client.invalidateQueries({
      queryKey: [...queryKeys.tasks(clusterId), 'list'],
      refetchType: 'active',
    });

  async function patch(clusterId: string, ids: string[]): Promise<void> {
    const lists = client
      .getQueriesData<TaskDto[]>({ queryKey: [...queryKeys.tasks(clusterId), 'list'] })
      .filter(([, data]) => data !== undefined);
    // The task's detail, and its log: a followed log holds only what was streamed (staleTime is
    // Infinity), and must be read whole again once the task has ended.
    const details = () => {
      for (const id of ids) {
        void client.invalidateQueries({ queryKey: queryKeys.task(clusterId, id) });
        void client.invalidateQueries({ queryKey: queryKeys.taskLog(clusterId, id) });
      }
    };
    if (lists.length === 0) return details();
    const activeId = client.getQueryData<ClustersDto>(queryKeys.clusters())?.activeId;
    if (clusterId !== activeId || ids.length > PATCH_MAX_IDS) return reloadLists(clusterId);
    let current: TaskDto[];
    try {
      current = await read(ids);
    } catch {
      return reloadLists(clusterId);
    }
    for (const [key, list] of lists) patchOne(key, list!, ids, current);
    details();
  }

  function patchOne(key: QueryKey, list: TaskDto[], ids: string[], current: TaskDto[]): void {
    const filter = (key[4] ?? {}) as TaskFilterDto;
    // A read in flight began before these changes: let it be read again once it lands.
    if (client.getQueryState(key)?.fetchStatus === 'fetching') {
      void client.invalidateQueries({ queryKey: key, exact: true });
      return;
    }
    const patched = patchTaskList(list, filter, ids, current);
    // A full list that lost rows has older ones to show that it never held.
    if (list.length >= (filter.limit ?? TASK_LIST_LIMIT) && patched.length < list.length) {
      void client.invalidateQueries({ queryKey: key, exact: true });
      return;
    }
    if (patched !== list) client.setQueryData(key, patched);
  }

  async function flush(): Promise<void> {
    timer = null;
    running = true;
    const batch = [...pending];
    pending.clear();
    for (const [clusterId, ids] of batch) {
      if (ids === 'all') reloadLists(clusterId);
      else await patch(clusterId, [...ids]);
    }
    running = false;
    if (pending.size > 0) schedule();
  }

  return {
    /** A task event of `clusterId`: its task's row is read and patched in shortly. */
    onEvent(clusterId: string, event: EventDto): void {
      const id = event.data.id;
      const known = pending.get(clusterId);
      if (known !== 'all') {
        if (
          (typeof id === 'string' && /^\d+$/.test(id)) ||
          (typeof id === 'number' && Number.isSafeInteger(id))
        ) {
          pending.set(clusterId, (known ?? new Set()).add(String(id)));
        } else {
          pending.set(clusterId, 'all');
        }
      }
      schedule();
    },
    stop(): void {
      if (timer) clearTimeout(timer);
      timer = null;
      pending.clear();
    },
  };
}
