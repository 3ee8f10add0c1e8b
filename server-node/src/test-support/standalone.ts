import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { MigrationOutputDto, MigrationProgressDto, MigrationResultDto, TaskDto } from '../api/index.js';
import { readNodeConfig } from '../config/node-config.js';
import { runningPostmasterPid, startEmbedded } from '../db/embedded.js';
import { findFreePort } from '../net/free-port.js';
import { CLI_MAIN, spawnNode, stopProcess, waitForNode } from '../sandbox/node-process.js';
import { makeTarGz } from './archives.js';
import { createEnvironment, createRelease, createTarget, deploy, uploadPackage } from './domain-setup.js';
import { TestCluster } from './test-cluster.js';
import { createUser, type TestUser } from './users.js';

const run = promisify(execFile);

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lines: MigrationOutputDto[];
  progress: MigrationProgressDto[];
  /** The last line, when it is a result. */
  result: MigrationResultDto | null;
}

/** Runs `flotilla-node ARGS` and collects its JSON lines (for `migrate … --json`). */
export function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { uid?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code, signal) => {
      const lines: MigrationOutputDto[] = [];
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          lines.push(JSON.parse(line) as MigrationOutputDto);
        } catch {
          // a line cut by a kill
        }
      }
      const last = lines[lines.length - 1];
      resolve({
        code,
        signal,
        stdout,
        stderr,
        lines,
        progress: lines.filter((line): line is MigrationProgressDto => line.type === 'progress'),
        result: last?.type === 'result' ? last : null,
      });
    });
  });
}

/** The same fingerprint a careful admin would take by hand: config, every storage file, every table. */
export interface StandaloneFingerprint {
  config: string;
  files: Record<string, string>;
  tables: Record<string, string>;
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function walk(root: string, relative = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const rel = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await walk(root, rel)));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}

/**
 * A standalone node as an admin has it: `flotilla-node init` without --db (embedded PostgreSQL 18 and
 * storage in its home), run as its own process, seeded through its API with tasks and their logs, a
 * project with releases and deployments (artifacts), and packages of a few MB.
 */
export class TestStandalone {
  dir = '';
  home = '';
  url = '';
  apiKey = '';
  masterKey = '';
  port = 0;
  child: ChildProcess | null = null;
  readonly client = new TestCluster();
  deployer!: TestUser;
  taskIds: string[] = [];
  packages: { id: string; version: string; sha256: string }[] = [];
  artifactTask = '';

  async create(): Promise<this> {
    this.dir = await mkdtemp(path.join(tmpdir(), 'flotilla-migrate-'));
    // As root, the embedded PostgreSQL runs as user postgres, which must be able to enter the folder.
    await chmod(this.dir, 0o755);
    this.home = path.join(this.dir, 'solo');
    this.port = await findFreePort(0);
    const keyFile = path.join(this.dir, 'api-key');
    await run(process.execPath, [
      CLI_MAIN,
      'init',
      '--home',
      this.home,
      '--name',
      'solo',
      '--listen',
      `127.0.0.1:${this.port}`,
      '--api-key-file',
      keyFile,
      '--admin-password-file',
      path.join(this.dir, 'admin-password'),
    ]);
    this.apiKey = (await readFile(keyFile, 'utf8')).trim();
    const config = await readNodeConfig(this.home);
    this.url = config.publicUrl;
    this.masterKey = config.masterKey;
    this.client.apiKey = this.apiKey;
    return this;
  }

  get sharedDir(): string {
    return path.join(this.home, 'shared');
  }

  async start(): Promise<void> {
    const logFile = path.join(this.dir, 'solo.log');
    this.child = spawnNode(this.home, logFile, { FLOTILLA_SHUTDOWN_GRACE_MS: '1000' });
    this.client.nodes.set('solo', {
      name: 'solo',
      url: this.url,
      home: this.home,
      logFile,
      child: this.child,
    });
    await waitForNode(this.url, this.child, logFile);
  }

  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child);
    this.child = null;
  }

  /** Tasks with logs, two packages and, unless told otherwise, a project with two releases and a deployment (with an artifact). */
  async seed(options: { deployment?: boolean } = {}): Promise<void> {
    for (let i = 1; i <= 4; i++) {
      this.taskIds.push(
        ...(await this.client.queue('script', {
          script: `for i in $(seq 1 50); do echo "task ${i} line $i"; done`,
        })),
      );
    }
    const environment = await createEnvironment(this.client, 'Production');
    await createTarget(this.client, {
      kind: 'node',
      name: 'this-node',
      environmentId: environment.id,
      roles: ['web'],
      deployRoot: path.join(this.dir, 'apps'),
    });
    for (const [version, size] of [
      ['1.0.0', 2],
      ['1.1.0', 3],
    ] as const) {
      // Random content: a few MB on disk even compressed.
      const archive = await makeTarGz([
        { name: 'index.html', content: `<h1>shop ${version}</h1>\n` },
        { name: 'blob.txt', content: randomBytes(size * 768 * 1024).toString('base64') },
      ]);
      const uploaded = await uploadPackage(this.client, 'shop', version, archive);
      if (uploaded.status !== 201) throw new Error(`upload: ${JSON.stringify(uploaded.body)}`);
      this.packages.push({ id: 'shop', version, sha256: uploaded.body.sha256 });
    }
    this.deployer = await createUser(this.client, 'dora', 'deployer');
    if (options.deployment === false) return this.waitForTasks();
    const project = await this.client.api<{ id: string }>('POST', '/api/projects', {
      name: 'Shop',
      process: [
        {
          type: 'script',
          name: 'Report',
          script:
            'echo "deploying to $FLOTILLA_ENVIRONMENT"; echo "report" > "$FLOTILLA_ARTIFACTS/report.txt"',
        },
        { type: 'deploy-package', name: 'Web', packageId: 'shop', targetRoles: ['web'] },
      ],
    });
    await createRelease(this.client, project.body.id, '1.0.0', { shop: '1.0.0' });
    const release = await createRelease(this.client, project.body.id, '1.1.0', { shop: '1.1.0' });
    const deployment = await deploy(this.client, release.id, environment.id);
    this.artifactTask = deployment.taskId;
    this.taskIds.push(deployment.taskId);
    await this.waitForTasks();
  }

  async waitForTasks(): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const tasks = await this.tasks();
      if (tasks.every((task) => ['succeeded', 'failed', 'canceled'].includes(task.state))) {
        const bad = tasks.filter((task) => task.state !== 'succeeded');
        if (bad.length > 0) throw new Error(`seed tasks did not succeed: ${JSON.stringify(bad)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('seed tasks did not finish');
  }

  /** Through the node's URL, whichever process serves it (the migration starts its own). */
  async tasks(): Promise<TaskDto[]> {
    const response = await fetch(`${this.url}/api/tasks?limit=1000`, {
      headers: { authorization: `Bearer ${this.apiKey}` },
    });
    return (await response.json()) as TaskDto[];
  }

  /**
   * The standalone at rest (node stopped): flotilla.json, every file of its storage, and every table's
   * rows. Left out are the migration's own traces in the database: its audit entries and the events
   * of its maintenance flag going on and off.
   */
  async fingerprint(): Promise<StandaloneFingerprint> {
    const config = await readNodeConfig(this.home);
    if (!config.embedded) throw new Error('the standalone does not point at its embedded database');
    const files: Record<string, string> = {};
    for (const file of await walk(this.sharedDir))
      files[file] = await sha256(path.join(this.sharedDir, file));
    const running = await runningPostmasterPid(config.embedded.dataDir);
    const server = running === null ? await startEmbedded({ ...config.embedded }) : null;
    const client = new pg.Client({ connectionString: config.dbUrl });
    await client.connect();
    const tables: Record<string, string> = {};
    try {
      await client.query(`set time zone 'UTC'; set extra_float_digits = 1`);
      const names = await client.query<{ name: string }>(
        `select tablename as name from pg_tables where schemaname = 'public' order by 1`,
      );
      for (const { name } of names.rows) {
        const where =
          name === 'audit_log'
            ? `where action not like 'migration.%'`
            : name === 'events'
              ? `where not (type = 'cluster.updated' and data ? 'maintenance')`
              : '';
        const result = await client.query<{ hash: string }>(
          `select md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as hash from ${name} t ${where}`,
        );
        tables[name] = result.rows[0]!.hash;
      }
    } finally {
      await client.end();
      await server?.stop();
    }
    return { config: await sha256(path.join(this.home, 'flotilla.json')), files, tables };
  }

  async destroy(): Promise<void> {
    await this.stop();
    // A node the migration started (detached) records its pid in the home.
    for (const home of [this.home]) {
      const pid = Number((await readFile(path.join(home, 'node.pid'), 'utf8').catch(() => '')).trim());
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
    const config = await readNodeConfig(this.home).catch(() => null);
    const backup = JSON.parse(
      await readFile(path.join(this.home, 'flotilla.json.pre-migration'), 'utf8').catch(() => 'null'),
    ) as { embedded?: { dataDir: string } } | null;
    const dataDir = config?.embedded?.dataDir ?? backup?.embedded?.dataDir;
    const postmaster = dataDir ? await runningPostmasterPid(dataDir) : null;
    if (postmaster) {
      process.kill(postmaster, 'SIGINT');
      for (let i = 0; i < 100 && (await runningPostmasterPid(dataDir!)) !== null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    if (process.env.FLOTILLA_KEEP_TEST_DIRS) console.log(`kept ${this.dir}`);
    else await rm(this.dir, { recursive: true, force: true });
  }
}
