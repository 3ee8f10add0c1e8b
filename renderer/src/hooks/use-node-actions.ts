import type { NodeDto } from '@flotilla/electron/common/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '../transport/console-api';
import { queryKeys } from './query-keys';
import { useActiveCluster } from './use-clusters';

/** Puts a node the cluster answered with into the snapshot at once, before the next push. */
function usePatchNode() {
  const client = useQueryClient();
  const cluster = useActiveCluster();
  return (node: NodeDto) =>
    client.setQueryData(queryKeys.snapshot(cluster?.id ?? ''), (old: unknown) => {
      const snapshot = old as { nodes: NodeDto[] } | null | undefined;
      if (!snapshot) return old;
      return { ...snapshot, nodes: snapshot.nodes.map((n) => (n.name === node.name ? node : n)) };
    });
}

export function useSetDrain() {
  const patch = usePatchNode();
  return useMutation({
    mutationFn: async ({ names, drain }: { names: string[]; drain: boolean }) => {
      // One by one, so a failure says which node it was and the others are not left half-done silently.
      const done: NodeDto[] = [];
      for (const name of names) {
        const node = await consoleApi()
          .nodes.setDrain(name, drain)
          .catch((error: Error) => {
            throw new Error(
              `${name}: ${error.message}${done.length ? ` (done before it: ${done.map((n) => n.name).join(', ')})` : ''}`,
            );
          });
        patch(node);
        done.push(node);
      }
      return done;
    },
  });
}

export function useSetTaskCap() {
  const patch = usePatchNode();
  return useMutation({
    mutationFn: ({ name, taskCap }: { name: string; taskCap: number }) =>
      consoleApi().nodes.setTaskCap(name, taskCap),
    onSuccess: patch,
  });
}

export function useRemoveNode() {
  return useMutation({ mutationFn: (name: string) => consoleApi().nodes.remove(name) });
}

export function useSetPaused() {
  return useMutation({ mutationFn: (paused: boolean) => consoleApi().clusters.setPaused(paused) });
}
