import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '@flotilla/server-node/net/free-port';
import { UserError } from '../../common/user-error.js';
import { pingNode } from '../cluster-client/node-ping.js';
import { livePid, startDetached, stopPid, waitUntil } from './detached-process.js';
import type { ServerNodeCli } from './local-engine-host.js';

const run = promisify(execFile);

export interface LocalStandaloneInfo {
  home: string;
  url: string;
  apiKey: string;
}

/** As root, the node (and the migration that moves it) shares its files with nodes that run as the service user. */
export const ROOT_UMASK = process.getuid?.() === 0 ? 0 : undefined;

/**
 * "Start a local standalone server": a node as `flotilla-node init` makes it without --db (its embedded
 * PostgreSQL and its storage in its home), in a folder of the console's config folder, so a new user can
 * walk the whole migration on one machine. Like the sandbox it keeps its API key and the portal's
 * administrator password in 0600 files beside the home; unlike the sandbox it runs detached, as a server
 * does (and as the migration starts it again after the switch), so closing the console leaves it serving.
 */
export class LocalStandalone {
  constructor(
    private readonly server: ServerNodeCli,
    readonly dir: string,
  ) {}

  get home(): string {
    return path.join(this.dir, 'home');
  }

  /** Creates it the first time, starts it when it does not run, and resolves once it serves. */
  async start(): Promise<LocalStandaloneInfo> {
    const keyFile = path.join(this.dir, 'api-key');
    if (!existsSync(path.join(this.home, 'flotilla.json'))) await this.init(keyFile);
    const config = JSON.parse(await readFile(path.join(this.home, 'flotilla.json'), 'utf8')) as {
      publicUrl: string;
    };
    const log = path.join(this.home, 'node.log');
    const running = await livePid(path.join(this.home, 'node.pid'));
    const pid =
      running ?? (await startDetached(this.server, ['run', '--home', this.home], { log }, ROOT_UMASK));
    await waitUntil(async () => ((await pingNode(config.publicUrl))?.state === 'running' ? true : null), {
      pid,
      log,
      what: 'The local standalone server',
    });
    return { home: this.home, url: config.publicUrl, apiKey: (await readFile(keyFile, 'utf8')).trim() };
  }

  async stop(): Promise<void> {
    const pid = await livePid(path.join(this.home, 'node.pid'));
    if (pid !== null) await stopPid(pid);
  }

  private async init(keyFile: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // As root the embedded PostgreSQL runs as user postgres, which must be able to enter the folder.
    await chmod(this.dir, 0o755);
    const port = await findFreePort(8400);
    const cli = [this.server.cliPath, 'init', '--home', this.home, '--name', 'standalone'];
    const options = ['--listen', `127.0.0.1:${port}`, '--api-key-file', keyFile];
    const admin = ['--admin-password-file', path.join(this.dir, 'admin-password')];
    try {
      await run(this.server.nodeBinary ?? process.execPath, [...cli, ...options, ...admin], {
        env: { ...process.env, ...this.server.env },
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new UserError(
        `The local standalone server could not be created: ${stderr || (error as Error).message}`,
      );
    }
  }
}
