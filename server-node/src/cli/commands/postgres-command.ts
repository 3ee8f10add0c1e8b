import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { embeddedUrl, initialiseEmbedded, startEmbedded } from '../../db/embedded.js';
import { findFreePort } from '../../net/free-port.js';
import type { CommandSpec } from '../args.js';
import { intOption, parseCommandArgs } from '../args.js';
import { untilStopSignal } from '../stop-signal.js';

export const postgresSpec: CommandSpec = {
  name: 'postgres',
  summary:
    'Run an embedded PostgreSQL on its own in DIR (kept between runs), with an empty database "flotilla":\n' +
    'a target for trying `migrate` on one machine. It listens on 127.0.0.1 only, so only this machine\n' +
    'reaches it. Stops cleanly on SIGINT/SIGTERM.',
  options: {
    dir: { type: 'string', required: true, help: 'the folder for its data and settings' },
    port: { type: 'string', help: 'the port (first run only; default: a free one)' },
    json: { type: 'boolean', help: 'print {dbUrl, port, pid, dataDir} as one JSON line when ready' },
  },
};

const stateSchema = z.object({ port: z.number().int(), password: z.string() });

/** Written while it runs, so a console that started it (detached) finds and stops it. */
export const POSTGRES_PID_FILE = 'postgres.pid';

export async function postgresCommand(argv: string[]): Promise<number> {
  const args = parseCommandArgs(postgresSpec, argv);
  if (!args) return 0;
  const dir = path.resolve(args.dir as string);
  const dataDir = path.join(dir, 'data');
  const stateFile = path.join(dir, 'postgres.json');
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const state = existsSync(stateFile)
    ? stateSchema.parse(JSON.parse(await readFile(stateFile, 'utf8')))
    : {
        port: intOption(args.port, 'port', 1024, 65535) ?? (await findFreePort(0)),
        password: randomBytes(18).toString('base64url'),
      };
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await initialiseEmbedded({ dataDir, port: state.port, password: state.password });
    await writeFile(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  }

  const stopped = untilStopSignal();
  const server = await startEmbedded({ dataDir, port: state.port, password: state.password });
  const pidFile = path.join(dir, POSTGRES_PID_FILE);
  try {
    await createDatabase(embeddedUrl(state.port, state.password), 'flotilla');
    const dbUrl = embeddedUrl(state.port, state.password, 'flotilla');
    await writeFile(pidFile, `${process.pid}\n`);
    if (args.json) {
      console.log(JSON.stringify({ dbUrl, port: state.port, pid: process.pid, dataDir }));
    } else {
      console.log(`PostgreSQL is running on 127.0.0.1:${state.port} (data in ${dataDir}).`);
      console.log(`  database URL: ${dbUrl}`);
      console.log('Press Ctrl+C to stop.');
    }
    await stopped;
  } finally {
    await rm(pidFile, { force: true });
    await server.stop();
  }
  return 0;
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    // A fixed, plain identifier: nothing from outside reaches this statement.
    if (found.rowCount === 0) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}
