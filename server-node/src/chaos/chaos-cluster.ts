import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { PingDto } from '../api/index.js';
import type { Cleanup } from '../bench/util.js';
import { initNode } from '../cluster/init-node.js';
import { readNodeConfig } from '../config/node-config.js';
import { findFreePort } from '../net/free-port.js';
import { CLI_MAIN, spawnBalancer, stopProcess, waitForNode } from '../sandbox/node-process.js';
import { say } from './chaos-log.js';

export interface ChaosNode {
  name: string;
  url: string;
  home: string;
  logFile: string;
  child: ChildProcess;
  /** The node process itself (unshare execs it), so signals and nsenter reach the node. */
  pid: number;
}

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  /** The node that answered (x-flotilla-node), or null when the balancer answered itself. */
  node: string | null;
  ms: number;
}

export interface ClusterOptions {
  dir: string;
  dbUrl: string;
  sharedDir: string;
  nodes: number;
  taskCap: number;
  /** A node's database URL when it must differ (through a proxy the scenario can cut). */
  dbUrlFor?: ((name: string) => string) | undefined;
  /** Each node in a mount namespace of its own (root only), so one node's view of the share can break. */
  ownMountNamespaces: boolean;
}

/**
 * Three (or N) real `flotilla-node run` processes and the built-in balancer in front of them, as the
 * sandbox builds them. Each node runs in a mount namespace of its own (see SharedMount), which needs
 * root. The suite keeps a direct connection to the database to read what happened to every task.
 */
export class ChaosCluster {
  readonly nodes: ChaosNode[] = [];
  apiKey = '';
  balancerUrl = '';
  readonly db: pg.Pool;

  private constructor(
    private readonly options: ClusterOptions,
    private readonly cleanup: Cleanup,
  ) {
    this.db = new pg.Pool({ connectionString: options.dbUrl, max: 3, connectionTimeoutMillis: 3000 });
    this.db.on('error', () => undefined); // idle clients dropping while PostgreSQL restarts
    cleanup.add('close the suite pool', () => this.db.end());
  }

  static async start(options: ClusterOptions, cleanup: Cleanup): Promise<ChaosCluster> {
    const cluster = new ChaosCluster(options, cleanup);
    for (let i = 1; i <= options.nodes; i++) await cluster.addNode(`node-${i}`);
    for (const node of cluster.nodes) await waitForNode(node.url, node.child, node.logFile);
    await cluster.startBalancer();
    for (const node of cluster.nodes) {
      const { status } = await cluster.api('PATCH', `/api/nodes/${node.name}`, { taskCap: options.taskCap });
      if (status !== 200) throw new Error(`setting the task cap of ${node.name} failed: HTTP ${status}`);
    }
    return cluster;
  }

  private async addNode(name: string): Promise<void> {
    const home = path.join(this.options.dir, name);
    const first = this.nodes[0];
    const masterKey = first ? (await readNodeConfig(first.home)).masterKey : undefined;
    const result = await initNode({
      home,
      dbUrl: this.options.dbUrlFor?.(name) ?? this.options.dbUrl,
      name,
      sharedDir: this.options.sharedDir,
      listen: { host: '127.0.0.1', port: await findFreePort(0) },
      masterKey,
    });
    if (result.apiKey) this.apiKey = result.apiKey;
    const logFile = path.join(this.options.dir, `${name}.log`);
    const out = openSync(logFile, 'a');
    const command = [process.execPath, CLI_MAIN, 'run', '--home', home];
    // A mount namespace of its own, private: what the suite mounts or unmounts in it stays in it.
    const [program, ...args] = this.options.ownMountNamespaces
      ? ['unshare', '--mount', '--propagation', 'private', '--', ...command]
      : command;
    const child = spawn(program!, args, {
      stdio: ['ignore', out, out],
      env: { ...process.env, FLOTILLA_SHUTDOWN_GRACE_MS: '1000' },
    });
    const node: ChaosNode = { name, url: result.config.publicUrl, home, logFile, child, pid: child.pid ?? 0 };
    // Registered before waiting, so a node that never comes up is still stopped; a frozen one is thawed first.
    this.cleanup.add(`stop ${name}`, async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(node.pid, 'SIGCONT');
      await stopProcess(child, 10_000);
    });
    this.nodes.push(node);
  }

  private async startBalancer(): Promise<void> {
    const port = await findFreePort(0);
    const logFile = path.join(this.options.dir, 'balancer.log');
    const child = spawnBalancer(`127.0.0.1:${port}`, this.nodes[0]!.home, logFile);
    this.cleanup.add('stop the balancer', () => stopProcess(child, 10_000));
    this.balancerUrl = `http://127.0.0.1:${port}`;
    await waitForNode(this.balancerUrl, child, logFile);
    say(
      `cluster up: ${this.nodes.map((n) => `${n.name} (pid ${n.pid})`).join(', ')}; balancer ${this.balancerUrl}`,
    );
  }

  node(name: string): ChaosNode {
    const node = this.nodes.find((candidate) => candidate.name === name);
    if (!node) throw new Error(`no chaos node ${name}`);
    return node;
  }

  /** Calls the API through the balancer, or one node directly, as the administrator. */
  async api<T = unknown>(
    method: string,
    urlPath: string,
    body?: unknown,
    options: { node?: string; timeoutMs?: number } = {},
  ): Promise<ApiAnswer<T>> {
    const base = options.node ? this.node(options.node).url : this.balancerUrl;
    const started = performance.now();
    const response = await fetch(`${base}${urlPath}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
    return {
      status: response.status,
      body: (json ? JSON.parse(text) : text) as T,
      node: response.headers.get('x-flotilla-node'),
      ms: performance.now() - started,
    };
  }

  /** The node's own ping, or null when it does not answer within a second. */
  async ping(name: string): Promise<{ status: number; body: PingDto } | null> {
    try {
      const response = await fetch(`${this.node(name).url}/api/nodes/ping`, {
        signal: AbortSignal.timeout(1000),
      });
      return { status: response.status, body: (await response.json()) as PingDto };
    } catch {
      return null;
    }
  }

  /** Whether every node answers its ping with 200 and the cluster lists every one as running. */
  async healthy(): Promise<boolean> {
    for (const node of this.nodes) if ((await this.ping(node.name))?.status !== 200) return false;
    const states = await this.db
      .query<{ state: string }>(`select state from node_status`)
      .then((result) => result.rows.map((row) => row.state))
      .catch(() => []);
    return states.length === this.nodes.length && states.every((state) => state === 'running');
  }

  freeze(name: string): void {
    process.kill(this.node(name).pid, 'SIGSTOP');
  }

  thaw(name: string): void {
    process.kill(this.node(name).pid, 'SIGCONT');
  }

  /** Error-level lines (pino level 50 and up) in a node's log, for the report. */
  errorLines(name: string): string[] {
    const text = readFileSync(this.node(name).logFile, 'utf8');
    return text.split('\n').filter((line) => /"level":(5\d|60)/.test(line));
  }
}
