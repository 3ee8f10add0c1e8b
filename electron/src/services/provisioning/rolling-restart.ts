import {
  describePlanStep,
  describeSchemaState,
  planSchemaUpgrade,
} from '../../common/schema-upgrade-plan.js';
import { ClusterApi } from '../cluster-client/cluster-api.js';
import type { SshAuth } from '../ssh/index.js';
import type { ProvisionHost } from './provision-host.js';
import { builtinBalancer, inRotation, type NodeBalancer } from './node-balancer.js';
import { provisionNode, type ClusterAccess } from './provision-node.js';
import { ProvisionError, type ProvisionEvent } from './provision-step.js';
import { gracefulRestart } from './restart-node.js';
import { readBundleSchema } from './bundle-schema.js';
import { runStep } from './run-step.js';
import type { ServerBundle } from './server-bundle.js';

export interface RollingRestartOptions {
  nodes: { host: ProvisionHost; auth: SshAuth }[];
  cluster: ClusterAccess;
  /** Given: a rolling upgrade into this bundle. Absent: a rolling restart of what runs. */
  bundle?: ServerBundle;
  /** Never restart a node while fewer than this many other nodes serve (running, in rotation). */
  minHealthy: number;
  /** Default: the built-in balancer at the cluster URL. */
  balancer?: NodeBalancer;
  onEvent: (event: ProvisionEvent & { node: string }) => void;
  idleTimeoutMs?: number;
  cancelTasksAfterIdleTimeout?: boolean;
  /** How long to wait for enough healthy nodes before a node's turn (the previous one may still rise). */
  floorTimeoutMs?: number;
}

/** The node name the roll's cluster-wide events carry (the schema plan). */
export const CLUSTER_EVENTS = 'cluster';

/**
 * Restarts (or upgrades) the cluster one node at a time so it keeps serving. An upgrade first says
 * what the new version does to the schema (its migrations and their kinds, and which contract will
 * wait for old nodes), then stages the new version on every node (upload, verify, install beside the
 * running one, doctor — which refuses a version the schema no longer serves) so a bad bundle or a
 * full disk stops it before any node restarts. Then each node in turn waits for the healthy floor,
 * restarts gracefully, and the schema's state is reported beside its version. The first node that
 * does not come back stops the roll: the error names it, and the nodes after it are left untouched.
 */
export async function rollingRestart(options: RollingRestartOptions): Promise<void> {
  const { cluster, bundle, minHealthy } = options;
  const balancer = options.balancer ?? builtinBalancer(cluster.http);
  if (!Number.isInteger(minHealthy) || minHealthy < 0)
    throw new Error(`The healthy floor must be a whole number ≥ 0, not ${String(minHealthy)}.`);
  const on = (node: string) => (event: ProvisionEvent) => options.onEvent({ ...event, node });

  if (bundle) {
    await runStep(
      on(CLUSTER_EVENTS),
      'schema',
      () => 'Check that the cluster answers.',
      async () => {
        const migrations = await readBundleSchema(bundle);
        if (!migrations)
          return { value: null, skipped: true, detail: `${bundle.name} does not list its migrations` };
        const api = new ClusterApi(cluster.http);
        const [info, nodes] = await Promise.all([api.getCluster(), api.listNodes()]);
        const plan = planSchemaUpgrade({
          version: bundle.version,
          migrations,
          schema: info.schema,
          nodes,
          rolled: options.nodes.map(({ host }) => host.node.name),
        });
        for (const step of plan.steps)
          on(CLUSTER_EVENTS)({
            step: 'schema',
            status: 'progress',
            detail: `${step.outcome === 'waits' ? 'WARN' : 'PASS'} ${describePlanStep(step)}`,
          });
        // Refused before anything is staged: installing it would point the nodes' next start at it.
        if (plan.refusal)
          throw new ProvisionError('schema', plan.refusal, 'Choose a server bundle the schema still serves.');
        const waits = plan.steps.filter((step) => step.outcome === 'waits').length;
        return {
          value: null,
          detail:
            plan.steps.length === 0
              ? `${bundle.version} brings no migration the cluster lacks (${describeSchemaState(info.schema)})`
              : `${bundle.version} brings ${plan.steps.length} migration(s): ` +
                `${plan.steps.filter((step) => step.migration.kind === 'expand').length} expand, ` +
                `${plan.steps.filter((step) => step.migration.kind === 'contract').length} contract` +
                (waits > 0 ? `; ${waits} contract(s) will wait for nodes this roll does not upgrade` : ''),
        };
      },
    );
    for (const { host, auth } of options.nodes) {
      await named(host, () =>
        provisionNode({
          host,
          auth,
          bundle,
          cluster,
          balancer,
          onEvent: on(host.node.name),
          stopAfter: 'check',
        }),
      );
    }
  }
  for (const { host, auth } of options.nodes) {
    const { name } = host.node;
    await named(host, async () => {
      await runStep(
        on(name),
        'floor',
        () => 'Bring the other nodes back, or lower the healthy floor.',
        () => waitForFloor(options, balancer, name),
      );
      await gracefulRestart({
        host,
        auth,
        http: cluster.http,
        balancer,
        onEvent: on(name),
        ...(bundle ? { expectVersion: bundle.version } : {}),
        ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
        ...(options.cancelTasksAfterIdleTimeout ? { cancelTasksAfterIdleTimeout: true } : {}),
      });
      if (bundle) await reportSchema(options, name);
    });
  }
}

/** After a node's upgrade: the version it runs and the schema's state, side by side. */
async function reportSchema(options: RollingRestartOptions, name: string): Promise<void> {
  const api = new ClusterApi(options.cluster.http);
  await runStep(
    (event) => options.onEvent({ ...event, node: name }),
    'schema',
    () => 'Check that the cluster answers.',
    async () => {
      const [info, nodes] = await Promise.all([api.getCluster(), api.listNodes()]);
      const version = nodes.find((node) => node.name === name)?.version ?? '?';
      return { value: null, detail: `${name} runs ${version}; ${describeSchemaState(info.schema)}` };
    },
  );
}

/** Resolves once at least minHealthy nodes other than `name` serve; a node serves when it runs undrained and the balancer sends it traffic. */
async function waitForFloor(options: RollingRestartOptions, balancer: NodeBalancer, name: string) {
  const deadline = Date.now() + (options.floorTimeoutMs ?? 60_000);
  for (;;) {
    const nodes = await new ClusterApi(options.cluster.http).listNodes();
    const stats = await balancer.stats();
    const serving = nodes
      .filter((node) => node.name !== name && node.state === 'running')
      .filter((node) => !stats || inRotation(stats.servers.find((server) => server.name === node.name)))
      .map((node) => node.name);
    if (serving.length >= options.minHealthy) {
      const others = serving.length === 0 ? 'no other node' : serving.join(', ');
      return {
        value: null,
        detail: `${serving.length} other node(s) serve (${others}); the floor is ${options.minHealthy}`,
      };
    }
    if (Date.now() > deadline)
      throw new Error(
        `Restarting ${name} now would leave ${serving.length} serving node(s) (${serving.join(', ') || 'none'}); the floor is ${options.minHealthy}.`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A failure names the node it happened on: the roll stopped there. */
async function named<T>(host: ProvisionHost, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof ProvisionError)) throw error;
    throw new ProvisionError(
      error.step,
      `${host.node.name}: ${error.reason}`,
      `${error.fix} The roll stopped at ${host.node.name}; nodes after it were not touched.`,
      { cause: error },
    );
  }
}
