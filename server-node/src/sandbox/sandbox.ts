import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { BOOTSTRAP_ADMIN, initNode } from '../cluster/init-node.js';
import { readNodeConfig } from '../config/node-config.js';
import type { EmbeddedDb } from '../db/embedded.js';
import { embeddedUrl, initialiseEmbedded, startEmbedded } from '../db/embedded.js';
import { checkPortFree, findFreePort } from '../net/free-port.js';
import { NODE_CONNECTIONS } from '../node/node-runtime.js';
import { UserError } from '../user-error.js';
import { spawnBalancer, spawnNode, stopProcess, waitForNode } from './node-process.js';

// A whole cluster on one machine for trying Flotilla out, for the console and for tests:
// one embedded PostgreSQL, one shared folder, N nodes and the built-in balancer as separate processes.
// The directory is kept, so running the sandbox again brings the same cluster back.

export interface SandboxInfo {
  /** Where users and the console reach the cluster: the built-in balancer in front of the nodes. */
  balancerUrl: string;
  apiKey: string;
  /** The bootstrap administrator, to sign in to the portal (a sandbox keeps it in a 0600 file). */
  admin: { username: string; password: string };
  dbUrl: string;
  sharedDir: string;
  nodes: { name: string; url: string; pid: number }[];
}

export interface SandboxOptions {
  dir: string;
  nodes: number;
  /** The balancer listens on basePort, the nodes on basePort+1 .. basePort+N. */
  basePort: number;
  log: Logger;
}

const stateSchema = z.object({
  pgPort: z.number().int(),
  pgPassword: z.string(),
  basePort: z.number().int(),
});

export class Sandbox {
  private readonly children = new Map<string, ChildProcess>();
  private balancer: ChildProcess | null = null;
  private db: EmbeddedDb | null = null;
  info: SandboxInfo | null = null;

  constructor(private readonly options: SandboxOptions) {}

  private path(...parts: string[]): string {
    return path.join(path.resolve(this.options.dir), ...parts);
  }

  async start(): Promise<SandboxInfo> {
    const { nodes: count, log } = this.options;
    await mkdir(this.path('logs'), { recursive: true });
    const statePath = this.path('sandbox.json');
    const fresh = !existsSync(statePath);
    const state = fresh
      ? {
          pgPort: await findFreePort(this.options.basePort + 100),
          pgPassword: randomBytes(18).toString('base64url'),
          basePort: this.options.basePort,
        }
      : stateSchema.parse(JSON.parse(await readFile(statePath, 'utf8')));
    const nodePorts = Array.from({ length: count }, (_, i) => state.basePort + 1 + i);
    for (const port of [state.basePort, ...nodePorts]) {
      await checkPortFree(port).catch(() => {
        throw new UserError(
          `Port ${port} is in use (another sandbox, or another program). Stop it, or pass another --port.`,
        );
      });
    }
    if (fresh) {
      await initialiseEmbedded({
        dataDir: this.path('db'),
        port: state.pgPort,
        password: state.pgPassword,
        log,
      });
      await writeFile(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
    }
    this.db = await startEmbedded({
      dataDir: this.path('db'),
      port: state.pgPort,
      password: state.pgPassword,
      // Every node may hold NODE_CONNECTIONS.total under load; 32 nodes need more than the default 300.
      flags: ['-c', `max_connections=${Math.max(300, count * NODE_CONNECTIONS.total + 20)}`],
      log,
    });
    const dbUrl = embeddedUrl(state.pgPort, state.pgPassword);

    const nodes: SandboxInfo['nodes'] = [];
    for (let i = 1; i <= count; i++) {
      const name = `node-${i}`;
      const home = this.path(name);
      const port = nodePorts[i - 1]!;
      if (!existsSync(path.join(home, 'flotilla.json'))) {
        const first = i === 1 ? null : await readNodeConfig(this.path('node-1'));
        await initNode({
          home,
          dbUrl,
          name,
          sharedDir: this.path('shared'),
          listen: { host: '127.0.0.1', port },
          masterKey: first?.masterKey,
          apiKeyFile: i === 1 ? this.path('api-key') : undefined,
          adminPasswordFile: i === 1 ? this.path('admin-password') : undefined,
          log,
        });
      }
      const config = await readNodeConfig(home);
      const logFile = this.path('logs', `${name}.log`);
      // As root, nodes the console provisions into the sandbox run as the service user (flotilla),
      // not root: the sandbox's own nodes leave the shared folder writable for them. A sandbox only;
      // a real cluster's nodes all run as one service user that owns the share.
      const asRoot = process.getuid?.() === 0;
      if (asRoot && i === 1) await openToAll(this.path('shared'));
      const child = spawnNode(home, logFile, {}, asRoot ? 0 : undefined);
      this.children.set(name, child);
      child.on('exit', (code, signal) => {
        if (!this.stopping) log.warn({ node: name, code, signal }, 'sandbox node exited');
      });
      nodes.push({ name, url: config.publicUrl, pid: child.pid ?? 0 });
    }
    for (const node of nodes) {
      await waitForNode(node.url, this.children.get(node.name)!, this.path('logs', `${node.name}.log`));
    }
    const balancerUrl = await this.startBalancer(state.basePort);
    const apiKey = (await readFile(this.path('api-key'), 'utf8')).trim();
    const adminPassword = (await readFile(this.path('admin-password'), 'utf8')).trim();
    this.info = {
      balancerUrl,
      apiKey,
      admin: { username: BOOTSTRAP_ADMIN, password: adminPassword },
      dbUrl,
      sharedDir: this.path('shared'),
      nodes,
    };
    return this.info;
  }

  /** Starts the balancer in front of the nodes; it is ready once a node's ping comes back through it. */
  private async startBalancer(port: number): Promise<string> {
    const url = `http://127.0.0.1:${port}`;
    const logFile = this.path('logs', 'balancer.log');
    const child = spawnBalancer(`127.0.0.1:${port}`, this.path('node-1'), logFile);
    this.balancer = child;
    child.on('exit', (code, signal) => {
      if (!this.stopping) this.options.log.warn({ code, signal }, 'sandbox balancer exited');
    });
    await waitForNode(url, child, logFile);
    return url;
  }

  private stopping = false;

  async stop(): Promise<void> {
    this.stopping = true;
    // Users first: nothing is sent to nodes that are about to stop.
    if (this.balancer) await stopProcess(this.balancer);
    await Promise.all([...this.children.values()].map((child) => stopProcess(child)));
    await this.db?.stop();
  }
}

/** Folders 0777 and files 0666 under `dir`: what the sandbox's root nodes wrote, opened to every node. */
async function openToAll(dir: string): Promise<void> {
  await chmod(dir, 0o777);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await openToAll(full);
    else if (entry.isFile()) await chmod(full, 0o666);
  }
}
