import type {
  EventDto,
  HostActionDto,
  MetricsPointDto,
  MigrationStateDto,
} from '@flotilla/electron/common/contract';
import { PUSH } from '@flotilla/electron/common/contract';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { consoleApi, onBridgeReconnected } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { createTaskListSync } from './task-list-sync';

const HISTORY_LIMIT = 600;
const EVENTS_LIMIT = 200;

/**
 * Keeps the react-query cache current from push events: snapshots and events patch it in place, task
 * events patch the task lists with the rows they name (createTaskListSync). The page never polls.
 */
export function usePushSync(): void {
  const client = useQueryClient();
  useEffect(() => {
    const api = consoleApi();
    const taskLists = createTaskListSync(client, (ids) => api.tasks.list({ ids }));
    const off = [
      api.on(PUSH.clusters.changed, (clusters) => client.setQueryData(queryKeys.clusters(), clusters)),
      api.on(PUSH.sandbox.status, (status) => client.setQueryData(queryKeys.sandbox(), status)),
      api.on(PUSH.clusters.snapshot, (snapshot) => {
        client.setQueryData(queryKeys.snapshot(snapshot.clusterId), snapshot);
        if (snapshot.point) appendPoint(client, snapshot.clusterId, snapshot.point);
      }),
      api.on(PUSH.clusters.event, ({ clusterId, event }) => {
        client.setQueryData(queryKeys.events(clusterId), (old: EventDto[] | undefined) =>
          old ? [...old, event].slice(-EVENTS_LIMIT) : old,
        );
        if (event.type.startsWith('task.')) taskLists.onEvent(clusterId, event);
      }),
      api.on(PUSH.tasks.logChunk, ({ clusterId, taskId, text }) => {
        client.setQueryData(queryKeys.taskLog(clusterId, taskId), (old: string | undefined) =>
          old === undefined ? old : old + text,
        );
      }),
      api.on(PUSH.nodes.logChunk, ({ clusterId, node, text }) => {
        client.setQueryData(queryKeys.nodeLog(clusterId, node), (old: string | undefined) =>
          old === undefined ? old : old + text,
        );
      }),
      api.on(PUSH.hosts.changed, ({ clusterId }) => {
        void client.invalidateQueries({ queryKey: queryKeys.hosts(clusterId), exact: true });
      }),
      api.on(PUSH.hosts.action, (action) => {
        client.setQueryData(queryKeys.hostActions(action.clusterId), (old: HostActionDto[] | undefined) =>
          old ? [...old.filter((other) => other.id !== action.id), action] : old,
        );
      }),
      api.on(PUSH.hosts.actionEvent, ({ clusterId, actionId, event }) => {
        client.setQueryData(queryKeys.hostActions(clusterId), (old: HostActionDto[] | undefined) =>
          old?.map((action) =>
            action.id === actionId ? { ...action, events: [...action.events, event] } : action,
          ),
        );
      }),
      api.on(PUSH.migrations.state, (state) => {
        client.setQueryData(queryKeys.migration(state.clusterId), state);
        // Its commands name what the plan says now.
        void client.invalidateQueries({ queryKey: [...queryKeys.migration(state.clusterId), 'commands'] });
      }),
      api.on(PUSH.migrations.progress, ({ clusterId, event }) => {
        client.setQueryData(queryKeys.migration(clusterId), (old: MigrationStateDto | null | undefined) =>
          old?.running
            ? {
                ...old,
                running: {
                  ...old.running,
                  progress: [...old.running.progress.filter((other) => other.phase !== event.phase), event],
                },
              }
            : old,
        );
      }),
      // After the web host's socket dropped, pushes were missed: everything is refetched.
      onBridgeReconnected(() => void client.invalidateQueries()),
    ];
    return () => {
      off.forEach((unsubscribe) => unsubscribe());
      taskLists.stop();
    };
  }, [client]);
}

function appendPoint(client: QueryClient, clusterId: string, point: MetricsPointDto): void {
  client.setQueryData(queryKeys.history(clusterId), (old: MetricsPointDto[] | undefined) => {
    if (!old) return old;
    if (old.at(-1)?.at === point.at) return old;
    return [...old, point].slice(-HISTORY_LIMIT);
  });
}
