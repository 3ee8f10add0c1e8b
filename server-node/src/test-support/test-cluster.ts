import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { CreateTaskResultDto, NodeDto, TaskDto } from '../api/index.js';
import { initNode } from '../cluster/init-node.js';
import { readNodeConfig } from '../config/node-config.js';
import { findFreePort } from '../net/free-port.js';
import { spawnNode, stopProcess, tail, waitForNode } from '../sandbox/node-process.js';
import { createTestDatabase } from './test-database.js';

export interface TestNode {
  name: string;
  url: string;
  home: string;
  logFile: string;
  child: ChildProcess;
}

export interface StartOptions {
  /** Extra environment for the node process (test-only settings). */
  env?: NodeJS.ProcessEnv;
  /** A folder this node sees at the cluster's shared path instead of the share (a mount namespace). */
  sharedFolder?: string;
}

/**
 * A real cluster for a test file: its own database, a temporary shared folder, and nodes as separate
 * `flotilla-node run` processes. `dbUrlFor` lets a test put a node's database traffic through a proxy.
 */
export class TestCluster {
  readonly nodes = new Map<string, TestNode>();
  apiKey = '';
  dir = '';
  dbUrl = '';
  db!: pg.Pool;
  private dropDatabase: () => Promise<void> = async () => {};
  private sessionUrlFor: ((name: string, dbUrl: string) => string) | undefined;

  async create(options: {
    nodes: number;
    dbUrlFor?: (name: string, dbUrl: string) => string;
    /** A node's `dbSessionUrl` (its `dbUrl` then goes through a pooler in transaction mode). */
    sessionUrlFor?: (name: string, dbUrl: string) => string;
  }): Promise<this> {
    this.sessionUrlFor = options.sessionUrlFor;
    const database = await createTestDatabase();
    this.dbUrl = database.url;
    this.dropDatabase = database.drop;
    this.db = new pg.Pool({ connectionString: database.url, max: 4 });
    this.db.on('error', () => undefined);
    this.dir = await mkdtemp(path.join(tmpdir(), 'flotilla-cluster-'));
    for (let i = 1; i <= options.nodes; i++) {
      await this.addNode(`node-${i}`, options.dbUrlFor?.(`node-${i}`, database.url) ?? database.url);
    }
    return this;
  }

  /** Initialises a node home (the first one creates the cluster) and starts the node. */
  async addNode(name: string, dbUrl = this.dbUrl, options: StartOptions = {}): Promise<TestNode> {
    const home = path.join(this.dir, name);
    const first = this.nodes.size === 0 && !this.apiKey;
    const masterKey = first
      ? undefined
      : (await readNodeConfig(path.join(this.dir, [...this.nodes.keys()][0]!))).masterKey;
    const port = await findFreePort(0);
    const result = await initNode({
      home,
      dbUrl,
      dbSessionUrl: this.sessionUrlFor?.(name, this.dbUrl),
      name,
      sharedDir: this.sharedDir,
      listen: { host: '127.0.0.1', port },
      masterKey,
    });
    if (result.apiKey) this.apiKey = result.apiKey;
    return this.start(name, options);
  }

  /** Starts (or restarts) a node from its home. */
  async start(name: string, options: StartOptions = {}): Promise<TestNode> {
    const home = path.join(this.dir, name);
    const config = await readNodeConfig(home);
    const logFile = path.join(this.dir, `${name}.log`);
    const sharedView = options.sharedFolder
      ? { sharedDir: this.sharedDir, folder: options.sharedFolder }
      : undefined;
    const env = { FLOTILLA_SHUTDOWN_GRACE_MS: '1000', ...options.env };
    const child = spawnNode(home, logFile, env, undefined, sharedView);
    const node: TestNode = { name, url: config.publicUrl, home, logFile, child };
    this.nodes.set(name, node);
    await waitForNode(node.url, child, logFile);
    return node;
  }

  /** The cluster's shared folder. */
  get sharedDir(): string {
    return path.join(this.dir, 'shared');
  }

  node(name: string): TestNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no test node ${name}`);
    return node;
  }

  /** Kills a node's process the hard way (no shutdown code runs). */
  async kill(name: string): Promise<void> {
    const { child } = this.node(name);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stopNode(name: string): Promise<void> {
    await stopProcess(this.node(name).child);
  }

  /** Calls the API of one node (default: the first) with the administrator key. */
  async api<T = unknown>(
    method: string,
    urlPath: string,
    body?: unknown,
    options: { node?: string; apiKey?: string | null } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const node = this.node(options.node ?? [...this.nodes.keys()][0]!);
    const headers: Record<string, string> = {};
    const key = options.apiKey === undefined ? this.apiKey : options.apiKey;
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${node.url}${urlPath}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed =
      (response.headers.get('content-type') ?? '').includes('json') && text
        ? (JSON.parse(text) as unknown)
        : text;
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async queue(kind: string, args: Record<string, unknown>, count = 1): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { status, body } = await this.api<CreateTaskResultDto>('POST', '/api/tasks', { kind, args });
      if (status !== 201) throw new Error(`queueing a task failed: ${status} ${JSON.stringify(body)}`);
      ids.push(body.id);
    }
    return ids;
  }

  async nodesView(): Promise<NodeDto[]> {
    return (await this.api<NodeDto[]>('GET', '/api/nodes', undefined, { node: this.anyLiveNode() })).body;
  }

  async tasks(query = 'limit=1000'): Promise<TaskDto[]> {
    return (await this.api<TaskDto[]>('GET', `/api/tasks?${query}`, undefined, { node: this.anyLiveNode() }))
      .body;
  }

  private anyLiveNode(): string {
    for (const node of this.nodes.values())
      if (node.child.exitCode === null && node.child.signalCode === null) return node.name;
    throw new Error('no live node');
  }

  logs(): string {
    return [...this.nodes.values()].map((node) => `--- ${node.name}\n${tail(node.logFile, 30)}`).join('\n');
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((node) => stopProcess(node.child, 5000)));
    await this.db?.end();
    await this.dropDatabase();
    if (process.env.FLOTILLA_KEEP_TEST_DIRS) console.log(`kept ${this.dir}`);
    else await rm(this.dir, { recursive: true, force: true });
  }
}
