import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { NodeDto } from '../api/index.js';
import { initNode } from '../cluster/init-node.js';
import { readNodeConfig } from '../config/node-config.js';
import { findFreePort } from '../net/free-port.js';
import { spawnNode, stopProcess, waitForNode } from '../sandbox/node-process.js';
import type { Cleanup } from './util.js';
import { log, waitFor } from './util.js';

/** application_name of the benchmark's own connections. */
export const BENCH_APPLICATION = 'flotilla-bench';

export interface BenchNode {
  name: string;
  url: string;
  child: ChildProcess;
  logFile: string;
}

/**
 * A real Flotilla cluster as the multi-node tests build it: node homes made by `initNode` (the first
 * creates the cluster, the others join with its master key) and `flotilla-node run` processes.
 */
export class FlotillaCluster {
  readonly nodes: BenchNode[] = [];
  apiKey = '';

  private constructor(
    readonly dir: string,
    readonly dbUrl: string,
    /** The benchmark's own connections: inserting batches and reading results. */
    readonly db: pg.Pool,
  ) {}

  /**
   * The first node alone (it creates the cluster), then the others `parallel` at a time: dozens of
   * node processes started one by one on a small machine would take minutes.
   */
  static async start(
    dbUrl: string,
    cleanup: Cleanup,
    options: { nodes: number; taskCap: number; parallel?: number; startTimeoutMs?: number },
  ) {
    const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-bench-cluster-'));
    cleanup.add('remove cluster dir', () => rm(dir, { recursive: true, force: true }));
    // Named, so the benchmark can tell its own connections from the cluster's in pg_stat_activity.
    const db = new pg.Pool({ connectionString: dbUrl, max: 4, application_name: BENCH_APPLICATION });
    db.on('error', () => undefined); // idle clients dropping at shutdown must not crash the benchmark
    cleanup.add('close benchmark pool', () => db.end());
    const cluster = new FlotillaCluster(dir, dbUrl, db);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    await cluster.addNode('node-1', cleanup, timeoutMs);
    const parallel = options.parallel ?? 1;
    for (let first = 2; first <= options.nodes; first += parallel) {
      const batch = [];
      for (let i = first; i < first + parallel && i <= options.nodes; i++) batch.push(`node-${i}`);
      await Promise.all(batch.map((name) => cluster.addNode(name, cleanup, timeoutMs)));
    }
    await cluster.setTaskCaps(options.taskCap);
    return cluster;
  }

  private async addNode(name: string, cleanup: Cleanup, timeoutMs: number): Promise<void> {
    const home = path.join(this.dir, name);
    const first = this.nodes[0];
    const masterKey = first ? (await readNodeConfig(path.join(this.dir, first.name))).masterKey : undefined;
    const result = await initNode({
      home,
      dbUrl: this.dbUrl,
      name,
      sharedDir: path.join(this.dir, 'shared'),
      listen: { host: '127.0.0.1', port: await findFreePort(0) },
      masterKey,
    });
    if (result.apiKey) this.apiKey = result.apiKey;
    const logFile = path.join(this.dir, `${name}.log`);
    const child = spawnNode(home, logFile);
    // Registered before waiting, so a node that never comes up is still stopped.
    cleanup.add(`stop ${name}`, () => stopProcess(child, 15_000));
    const node: BenchNode = { name, url: result.config.publicUrl, child, logFile };
    this.nodes.push(node);
    await waitForNode(node.url, child, logFile, timeoutMs);
    log(`${name} up at ${node.url} (pid ${child.pid})`);
  }

  /** Through the API, as an admin would: the PATCH also wakes the node so it reads its new cap now. */
  private async setTaskCaps(taskCap: number): Promise<void> {
    for (const node of this.nodes) {
      const { status } = await this.api('PATCH', `/api/nodes/${node.name}`, { taskCap });
      if (status !== 200) throw new Error(`setting the task cap of ${node.name} failed: HTTP ${status}`);
    }
    await waitFor('every node to report its new task cap', async () => {
      const nodes = await this.nodesView();
      return nodes.every((node) => node.taskCap === taskCap && node.state === 'running');
    });
    // A node applies its cap from its next heartbeat (the PATCH triggers one); give it that beat.
    await new Promise((resolve) => setTimeout(resolve, 1200));
  }

  alive(): BenchNode[] {
    return this.nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  }

  async api<T = unknown>(method: string, urlPath: string, body?: unknown, node = this.alive()[0]) {
    if (!node) throw new Error('no live node to ask');
    const response = await fetch(`${node.url}${urlPath}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async nodesView(node?: BenchNode): Promise<NodeDto[]> {
    return (await this.api<NodeDto[]>('GET', '/api/nodes', undefined, node)).body;
  }

  /** Stops every node cleanly (SIGTERM), so the next phase has the machine to itself. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => stopProcess(node.child, 15_000)));
  }
}
