import type { DomainHandlers } from '../../common/contract.js';
import { INVOKE } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import type { ConsoleContext } from './console-context.js';
import { diagnosticsWithBalancer } from '../cluster-client/diagnostics-with-balancer.js';
import { testConnection } from './test-connection.js';

/** Saved clusters (like kubeconfig contexts), and what the console watches of the active one. */
export function clusterHandlers({
  store,
  session,
  hosts,
  migrations,
}: ConsoleContext): DomainHandlers<'clusters' | 'metrics' | 'events'> {
  return {
    [INVOKE.clusters.list]: () => store.list(),
    [INVOKE.clusters.test]: async (input) => {
      const { balancerUrl, nodes, version, leader, readOnly } = await testConnection(input);
      return { balancerUrl, nodes, version, leader, readOnly };
    },
    [INVOKE.clusters.add]: async (input) => {
      if (!input.name.trim()) throw new UserError('Give the cluster a name, e.g. "Production".');
      const tested = await testConnection(input);
      const cluster = await store.add({
        name: input.name,
        balancerUrl: tested.balancerUrl,
        apiKey: input.apiKey.trim(),
        kind: 'remote',
        nodeUrls: tested.nodeUrls,
      });
      await session.activate(cluster.id);
      return cluster;
    },
    [INVOKE.clusters.update]: async (id, patch) => {
      const before = await store.get(id);
      const changesConnection =
        Boolean(patch.apiKey) || (patch.balancerUrl && patch.balancerUrl !== before.balancerUrl);
      if (changesConnection) {
        await testConnection({
          balancerUrl: patch.balancerUrl || before.balancerUrl,
          apiKey: patch.apiKey || (await store.apiKey(id)),
        });
      }
      const cluster = await store.update(id, patch);
      await session.pushClusters();
      if (changesConnection && session.current?.cluster.id === id) await session.activate(id);
      return cluster;
    },
    [INVOKE.clusters.remove]: async (id) => {
      if (session.current?.cluster.id === id) await session.close();
      await hosts?.forgetCluster(id);
      await migrations.forgetCluster(id);
      const clusters = await store.remove(id);
      if (clusters.activeId) await session.activate(clusters.activeId).catch(() => undefined);
      await session.pushClusters();
      return clusters;
    },
    [INVOKE.clusters.select]: async (id) => {
      await session.activate(id);
      return store.list();
    },
    [INVOKE.clusters.getSnapshot]: () => Promise.resolve(session.current?.monitor.snapshot() ?? null),
    [INVOKE.clusters.getDiagnostics]: () =>
      session.act(({ api, balancer }) => diagnosticsWithBalancer(api, balancer), false),
    [INVOKE.clusters.getSupportBundle]: () =>
      session.act(async ({ api, balancer, cluster }) => {
        // The balancer's stats when it answers; the bundle is wanted most when something does not.
        const stats = await balancer.stats().catch(() => null);
        const zip = await api.supportBundle(stats);
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        const name = cluster.name.replace(/[^A-Za-z0-9._-]+/g, '-');
        return { fileName: `flotilla-support-${name}-${stamp}.zip`, base64: zip.toString('base64') };
      }, false),
    [INVOKE.clusters.setPaused]: (paused) => session.act(({ api }) => api.setPaused(paused)),
    [INVOKE.metrics.list]: () => Promise.resolve(session.current?.monitor.history() ?? []),
    [INVOKE.events.list]: () => Promise.resolve(session.current?.monitor.recentEvents() ?? []),
  };
}
