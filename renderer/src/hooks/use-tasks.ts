import type { NewTaskDto, TaskFilterDto, TaskState } from '@flotilla/electron/common/contract';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';

/** Tasks matching the filter; task events invalidate it (see usePushSync). */
export function useTaskList(filter: TaskFilterDto) {
  const cluster = useActiveCluster();
  return useQuery({
    queryKey: queryKeys.taskList(cluster?.id ?? '', filter),
    queryFn: () => consoleApi().tasks.list(filter),
    enabled: cluster !== null,
    placeholderData: keepPreviousData,
  });
}

export function useTask(id: string | null) {
  const cluster = useActiveCluster();
  return useQuery({
    queryKey: queryKeys.task(cluster?.id ?? '', id ?? ''),
    queryFn: () => consoleApi().tasks.get(id!),
    enabled: cluster !== null && id !== null,
  });
}

/**
 * A task's log. A finished task's is read whole; a running task's is streamed from its start by
 * useFollowTaskLog, whose `tasks:logChunk` pushes append here, and read whole again once it ends.
 */
export function useTaskLog(id: string | null, state: TaskState | undefined) {
  const cluster = useActiveCluster();
  return useQuery({
    queryKey: queryKeys.taskLog(cluster?.id ?? '', id ?? ''),
    queryFn: () => consoleApi().tasks.getLog(id!),
    // Only once the task is known to have ended: a read racing the live stream would show lines twice.
    enabled: cluster !== null && id !== null && state !== undefined && TERMINAL_STATES.has(state),
  });
}

const TERMINAL_STATES = new Set<TaskState>(['succeeded', 'failed', 'canceled']);

export function useCreateTasks() {
  const client = useQueryClient();
  const cluster = useActiveCluster();
  return useMutation({
    mutationFn: async ({ task, count }: { task: NewTaskDto; count: number }) => {
      for (let i = 0; i < count; i++) await consoleApi().tasks.add(task);
    },
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tasks(cluster?.id ?? '') }),
  });
}

export function useCancelTask() {
  return useMutation({ mutationFn: (id: string) => consoleApi().tasks.cancel(id) });
}

export function useRetryTask() {
  return useMutation({ mutationFn: (id: string) => consoleApi().tasks.retry(id) });
}
