// @vitest-environment jsdom
import { buildConsoleApi } from '@flotilla/electron/common/build-console-api';
import type {
  ClusterSnapshotDto,
  ClustersDto,
  EventDto,
  InvokeChannel,
  MetricsPointDto,
  PushContract,
  PushEvent,
  TaskDto,
  TaskState,
} from '@flotilla/electron/common/contract';
import { INVOKE, PUSH } from '@flotilla/electron/common/contract';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryKeys } from './query-keys';
import { usePushSync } from './use-push-sync';
import { useSnapshot } from './use-snapshot';

// A stand-in for the preload's window.flotilla: answers from a table, and lets the test push events.
const listeners = new Map<PushEvent, Set<(payload: never) => void>>();
const answers = new Map<InvokeChannel, unknown>();
const invoked: InvokeChannel[] = [];
window.flotilla = buildConsoleApi(
  (channel) => {
    invoked.push(channel);
    return Promise.resolve(answers.get(channel) ?? null);
  },
  (event, listener) => {
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    set.add(listener);
    return () => void set.delete(listener);
  },
);

function push<E extends PushEvent>(event: E, payload: PushContract[E]): void {
  act(() => listeners.get(event)?.forEach((listener) => listener(payload as never)));
}

const clusters: ClustersDto = {
  activeId: 'c1',
  clusters: [
    { id: 'c1', name: 'prod', balancerUrl: 'http://lb', nodeUrls: [], kind: 'remote', createdAt: '' },
  ],
};

function snapshot(clusterId: string, state: 'running' | 'draining', at: number): ClusterSnapshotDto {
  const point: MetricsPointDto = {
    at,
    nodes: {},
    queued: 0,
    executing: 0,
    finished: 0,
    failed: 0,
    balancer: null,
  };
  return {
    clusterId,
    connection: {
      state: 'connected',
      via: 'http://lb',
      error: null,
      lastEventId: '1',
      role: 'administrator',
    },
    cluster: null,
    nodes: [
      {
        name: 'node-1',
        url: '',
        version: '1',
        state,
        lastSeen: '',
        lastSeenAgeMs: 0,
        taskCap: 4,
        runningTasks: 0,
        startedAt: '',
        rssBytes: 0,
        cpu: 0,
      },
    ],
    balancer: null,
    balancerError: null,
    point,
  };
}

function task(id: string, state: TaskState): TaskDto {
  return {
    id,
    kind: 'noop',
    description: null,
    args: {},
    argsRedacted: false,
    state,
    node: 'node-1',
    attempts: 1,
    queuedAt: '',
    startedAt: null,
    finishedAt: null,
    error: null,
    cancelRequested: false,
    cancelRequestedAt: null,
  };
}

function setup() {
  const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) =>
    createElement(QueryClientProvider, { client }, children);
  const hook = renderHook(
    () => {
      usePushSync();
      return useSnapshot();
    },
    { wrapper },
  );
  return { client, hook };
}

describe('usePushSync', () => {
  afterEach(cleanup);
  beforeEach(() => {
    answers.clear();
    invoked.length = 0;
    answers.set(INVOKE.clusters.list, clusters);
    answers.set(INVOKE.clusters.getSnapshot, snapshot('c1', 'running', 1));
  });

  it('puts pushed snapshots in the cache without asking the console again', async () => {
    const { hook, client } = setup();
    await waitFor(() => expect(hook.result.current.data?.nodes[0]?.state).toBe('running'));
    client.setQueryData(queryKeys.history('c1'), []);
    const asked = invoked.length;
    push(PUSH.clusters.snapshot, snapshot('c1', 'draining', 2));
    await waitFor(() => expect(hook.result.current.data?.nodes[0]?.state).toBe('draining'));
    expect(client.getQueryData<MetricsPointDto[]>(queryKeys.history('c1'))?.map((point) => point.at)).toEqual(
      [2],
    );
    expect(invoked.length).toBe(asked);
  });

  it("ignores a snapshot of another cluster for the active one's view", async () => {
    answers.set(INVOKE.clusters.getSnapshot, snapshot('old', 'running', 1));
    const { hook } = setup();
    await waitFor(() => expect(hook.result.current.isSuccess).toBe(true));
    expect(hook.result.current.data).toBeNull();
  });

  it('appends events, and patches task lists with the rows task events name, in one read', async () => {
    const { client } = setup();
    await waitFor(() => expect(client.getQueryData(queryKeys.clusters())).toBeDefined());
    client.setQueryData(queryKeys.events('c1'), []);
    const running = task('1', 'executing');
    client.setQueryData(queryKeys.taskList('c1', {}), [running]);
    client.setQueryData(queryKeys.taskList('c1', { state: 'executing' }), [running]);
    // A followed log (seeded '' and appended to) and the detail of the task that ended; another task's log.
    client.setQueryData(queryKeys.taskLog('c1', '1'), 'streamed\n');
    client.setQueryData(queryKeys.task('c1', '1'), running);
    client.setQueryData(queryKeys.taskLog('c1', '9'), 'other\n');
    answers.set(INVOKE.tasks.list, [task('2', 'queued'), task('1', 'succeeded')]);
    const finished: EventDto = {
      seq: '5',
      at: '',
      type: 'task.finished',
      data: { id: '1', state: 'succeeded' },
    };
    const queued: EventDto = { seq: '6', at: '', type: 'task.queued', data: { id: 2, kind: 'noop' } };
    invoked.length = 0;
    push(PUSH.clusters.event, { clusterId: 'c1', event: finished });
    push(PUSH.clusters.event, { clusterId: 'c1', event: queued });
    expect(client.getQueryData<EventDto[]>(queryKeys.events('c1'))).toEqual([finished, queued]);
    await waitFor(() =>
      expect(
        client.getQueryData<TaskDto[]>(queryKeys.taskList('c1', {}))?.map((t) => [t.id, t.state]),
      ).toEqual([
        ['2', 'queued'],
        ['1', 'succeeded'],
      ]),
    );
    expect(client.getQueryData<TaskDto[]>(queryKeys.taskList('c1', { state: 'executing' }))).toEqual([]);
    expect(invoked).toEqual([INVOKE.tasks.list]);
    expect(client.getQueryState(queryKeys.taskList('c1', {}))?.isInvalidated).toBe(false);
    // Read whole again once the task has ended (the drawer reads the log only then).
    expect(client.getQueryState(queryKeys.taskLog('c1', '1'))?.isInvalidated).toBe(true);
    expect(client.getQueryState(queryKeys.task('c1', '1'))?.isInvalidated).toBe(true);
    expect(client.getQueryState(queryKeys.taskLog('c1', '9'))?.isInvalidated).toBe(false);
  });

  it("reads the lists again for another cluster's events and for an event without a task id", async () => {
    const { client } = setup();
    await waitFor(() => expect(client.getQueryData(queryKeys.clusters())).toBeDefined());
    client.setQueryData(queryKeys.taskList('old', {}), [task('1', 'executing')]);
    client.setQueryData(queryKeys.taskList('c1', {}), [task('1', 'executing')]);
    invoked.length = 0;
    push(PUSH.clusters.event, {
      clusterId: 'old',
      event: { seq: '1', at: '', type: 'task.finished', data: { id: '1' } },
    });
    push(PUSH.clusters.event, {
      clusterId: 'c1',
      event: { seq: '2', at: '', type: 'task.recovered', data: { kind: 'noop' } },
    });
    await waitFor(() =>
      expect(client.getQueryState(queryKeys.taskList('old', {}))?.isInvalidated).toBe(true),
    );
    expect(client.getQueryState(queryKeys.taskList('c1', {}))?.isInvalidated).toBe(true);
    expect(invoked).not.toContain(INVOKE.tasks.list);
  });

  it('appends followed log text and switches clusters by push', () => {
    const { client } = setup();
    client.setQueryData(queryKeys.taskLog('c1', '7'), 'line 1\n');
    push(PUSH.tasks.logChunk, { clusterId: 'c1', taskId: '7', text: 'line 2\n', done: false });
    expect(client.getQueryData(queryKeys.taskLog('c1', '7'))).toBe('line 1\nline 2\n');
    push(PUSH.clusters.changed, { ...clusters, activeId: null });
    expect(client.getQueryData<ClustersDto>(queryKeys.clusters())?.activeId).toBeNull();
  });
});
