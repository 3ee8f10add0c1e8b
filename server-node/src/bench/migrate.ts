import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { CreatedApiKeyDto, MigrationOutputDto, MigrationResultDto, UserDto } from '../api/index.js';
import { intOption } from '../cli/args.js';
import { readNodeConfig } from '../config/node-config.js';
import { startEmbedded } from '../db/embedded.js';
import { findFreePort } from '../net/free-port.js';
import { CLI_MAIN, spawnNode, stopProcess, tail, waitForNode } from '../sandbox/node-process.js';
import { startBenchPostgres } from './bench-postgres.js';
import { log, runBenchmark } from './util.js';

// `npm run bench:migrate`: a standalone seeded with 100,000 tasks (a log of a few KB each) and 1 GiB of
// packages, migrated to another PostgreSQL and a shared folder with the real CLI, while a client keeps
// sending requests. One JSON object on stdout; progress on stderr.
//   {precopyMs, rehearsalPredictedWindowMs, windowMs, dbRows, dbCopyMs, deltaFiles, verifyMs,
//    requestsDuringWindow: {ok503, failed}}
// Targets: window under 30 s, within 1.5x of the rehearsal's prediction.

const USAGE = `Usage: npm run bench:migrate -- [--tasks N] [--package-mib N] [--target-url URL]

  --tasks N          tasks to seed, each with its log (default 100000)
  --package-mib N    MiB of packages, in 64 MiB files (default 1024)
  --target-url URL   an empty database on an external PostgreSQL (default: a second embedded one)`;

const LOG_BYTES = 3 * 1024;
const PACKAGE_MIB = 64;
const PARALLEL_WRITES = 64;

interface Options {
  tasks: number;
  packageMib: number;
  targetUrl: string | null;
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      tasks: { type: 'string' },
      'package-mib': { type: 'string' },
      'target-url': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return null;
  return {
    tasks: intOption(values.tasks, 'tasks', 1, 10_000_000) ?? 100_000,
    packageMib: intOption(values['package-mib'], 'package-mib', 0, 1_000_000) ?? 1024,
    targetUrl: values['target-url'] ?? null,
  };
}

/** Runs `flotilla-node migrate …` and returns its result line (progress goes to stderr, condensed). */
function migrate(args: string[], env: NodeJS.ProcessEnv): Promise<MigrationResultDto> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'migrate', ...args, '--json'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    let result: MigrationResultDto | null = null;
    let stderr = '';
    let lastPhase = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line) as MigrationOutputDto;
        if (event.type === 'result') result = event;
        else if (event.phase !== lastPhase || event.bytesDone === event.bytesTotal) {
          lastPhase = event.phase;
          log(`  ${event.step} ${event.phase}: ${event.message}`);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      if (result) resolve(result);
      else reject(new Error(`migrate ${args[0] ?? ''} exited ${code}: ${stderr}`));
    });
  });
}

/** Fills the standalone's embedded database with bulk SQL and its storage with files written in parallel. */
async function seed(home: string, options: Options): Promise<{ sharedDir: string }> {
  const config = await readNodeConfig(home);
  const server = await startEmbedded({ ...config.embedded! });
  const db = new pg.Client({ connectionString: config.dbUrl });
  await db.connect();
  const sharedDir = path.join(home, 'shared');
  try {
    const started = performance.now();
    await db.query('begin');
    await db.query(
      `insert into tasks (kind, args, description, state, node, attempts, queued_at, started_at, finished_at)
       select 'script', jsonb_build_object('script', 'echo build ' || g, 'shell', 'bash'), 'build ' || g,
              'succeeded', 'solo', 1, t, t + interval '1 second', t + interval '3 seconds'
       from generate_series(1, $1::int) g, lateral (select now() - (g || ' seconds')::interval as t) x`,
      [options.tasks],
    );
    await db.query(
      `insert into task_attempts (task_id, attempt, node, lease_id, started_at, finished_at, outcome)
       select id, 1, 'solo', gen_random_uuid(), started_at, finished_at, 'succeeded' from tasks`,
    );
    await db.query(
      `insert into events (at, type, data)
       select t.queued_at + e.offs, e.type, jsonb_build_object('id', t.id::text, 'kind', t.kind, 'node', 'solo')
       from tasks t, (values ('task.queued', interval '0'), ('task.started', interval '1 second'),
                             ('task.finished', interval '3 seconds')) e(type, offs)
       order by 1`,
    );
    await db.query('commit');
    log(
      `seeded ${options.tasks} tasks, their attempts and events in ${Math.round(performance.now() - started)} ms`,
    );

    // Task logs: a few KB each, one folder per task, written in parallel.
    const filesStarted = performance.now();
    const line = 'step 00: compiling module, linking objects, running unit tests ............ ok\n';
    const body = line.repeat(Math.ceil(LOG_BYTES / line.length)).slice(0, LOG_BYTES);
    let next = 1;
    await Promise.all(
      Array.from({ length: PARALLEL_WRITES }, async () => {
        for (let id = next++; id <= options.tasks; id = next++) {
          const dir = path.join(sharedDir, 'tasks', String(id));
          await mkdir(dir, { recursive: true });
          await writeFile(path.join(dir, 'attempt-1.log'), `task ${id}\n${body}`);
        }
      }),
    );
    log(`wrote ${options.tasks} task logs in ${Math.round(performance.now() - filesStarted)} ms`);

    // Packages: 64 MiB files of random bytes (each made distinct by its first bytes), rows with their sha256.
    const packagesStarted = performance.now();
    const blob = randomBytes(PACKAGE_MIB * 1024 * 1024);
    const count = Math.ceil(options.packageMib / PACKAGE_MIB);
    await mkdir(path.join(sharedDir, 'packages', 'app'), { recursive: true });
    for (let i = 1; i <= count; i++) {
      blob.writeUInt32BE(i, 0);
      const version = `1.0.${i}`;
      await writeFile(path.join(sharedDir, 'packages', 'app', `${version}.zip`), blob);
      await db.query(
        `insert into packages (package_id, version, format, size_bytes, sha256, uploaded_by)
         values ('app', $1, 'zip', $2, $3, 'bench')`,
        [version, blob.length, createHash('sha256').update(blob).digest('hex')],
      );
    }
    log(
      `wrote ${count} packages (${count * PACKAGE_MIB} MiB) in ${Math.round(performance.now() - packagesStarted)} ms`,
    );
    await db.query('vacuum analyze');
    await db.query('checkpoint');
  } finally {
    await db.end();
    await server.stop();
  }
  return { sharedDir };
}

interface Outcome {
  status: number | string;
  body: string;
  at?: string;
}

/**
 * A connection refused, or reset before any answer (the node's shutdown and the port's hand-over close a
 * listening socket: connections caught in that instant are reset), is tried again, up to 3 times, as a
 * balancer does (HAProxy `retries 3` + `retry-on conn-failure empty-response`). Both requests here may be repeated.
 */
const RETRIED = new Set(['ECONNREFUSED', 'ECONNRESET']);
const RETRIES = 3;
/** First attempts that were tried again, for the log. */
const retried: string[] = [];

/** A request as a balancer sends it. */
function request(url: string, method: string, key: string): Promise<Outcome> {
  const once = () =>
    new Promise<Outcome>((resolve) => {
      const req = http.request(
        url,
        { method, agent: false, headers: { authorization: `Bearer ${key}` }, timeout: 10_000 },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ status: error.code ?? 'ERR', body: '', at: new Date().toISOString().slice(11, 23) }),
      );
      req.end();
    });
  return (async () => {
    let outcome = await once();
    for (let retry = 0; retry < RETRIES && RETRIED.has(String(outcome.status)); retry++) {
      retried.push(`${outcome.status} at ${outcome.at ?? '?'}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      outcome = await once();
    }
    return outcome;
  })();
}

runBenchmark(async (cleanup) => {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    console.error(USAGE);
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-bench-migrate-'));
  await chmod(dir, 0o755);
  cleanup.add('remove the bench folder', () => rm(dir, { recursive: true, force: true }));
  const home = path.join(dir, 'solo');
  const port = await findFreePort(0);
  const keyFile = path.join(dir, 'api-key');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        CLI_MAIN,
        'init',
        '--home',
        home,
        '--name',
        'solo',
        '--listen',
        `127.0.0.1:${port}`,
        '--api-key-file',
        keyFile,
        '--admin-password-file',
        path.join(dir, 'pw'),
      ],
      { stdio: 'ignore' },
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`init exited ${code}`))));
  });
  const apiKey = (await readFile(keyFile, 'utf8')).trim();
  const url = `http://127.0.0.1:${port}`;
  await seed(home, options);

  let targetUrl = options.targetUrl;
  if (!targetUrl) {
    const postgres = await startBenchPostgres(cleanup, ['flotilla'], { pgStats: false });
    targetUrl = postgres.url('flotilla');
    log(`target: embedded PostgreSQL ${postgres.version}`);
  }
  const shared = path.join(dir, 'share');
  await mkdir(shared);
  const env = { FLOTILLA_TARGET_DB_URL: targetUrl };

  const logFile = path.join(dir, 'solo.log');
  const node = spawnNode(home, logFile);
  cleanup.add('stop the node', async () => {
    await stopProcess(node, 20_000);
    // The node the migration started (detached) records its pid in the home.
    const pid = Number((await readFile(path.join(home, 'node.pid'), 'utf8').catch(() => '')).trim());
    if (pid > 0) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 200; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      process.kill(pid, 'SIGKILL');
    }
  });
  await waitForNode(url, node, logFile, 120_000);
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const user = (await (
    await fetch(`${url}/api/users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ username: 'dora', password: 'dora-correct-horse-battery', role: 'deployer' }),
    })
  ).json()) as UserDto;
  const deployerKey = (
    (await (
      await fetch(`${url}/api/users/${user.id}/api-keys`, {
        method: 'POST',
        headers,
        body: '{"name":"bench"}',
      })
    ).json()) as CreatedApiKeyDto
  ).key;

  log('preflight');
  const preflight = await migrate(['preflight', '--home', home, '--shared', shared], env);
  if (!preflight.ok) throw new Error(`preflight failed: ${preflight.message}`);
  log('precopy (the node keeps serving)');
  const precopy = await migrate(['precopy', '--home', home, '--shared', shared], env);
  if (!precopy.ok) throw new Error(`precopy failed: ${precopy.message}`);
  log(`precopy: ${precopy.durationMs} ms, predicted window ${precopy.rehearsal!.predictedWindowMs} ms`);
  log(`rehearsal breakdown: ${JSON.stringify(precopy.rehearsal!.breakdown)}`);

  // Work between the precopy and the switch: its logs are what the delta carries.
  for (let i = 0; i < 20; i++) {
    await fetch(`${url}/api/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ kind: 'script', args: { script: `echo late ${i}` } }),
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));

  log('switch, with a client sending requests all along');
  let traffic = true;
  const outcomes: Outcome[] = [];
  const load = (async () => {
    while (traffic) {
      outcomes.push(
        ...(await Promise.all([
          request(`${url}/api/tasks?limit=5`, 'GET', apiKey),
          request(`${url}/api/tasks/1/retry`, 'POST', deployerKey),
        ])),
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const switched = await migrate(['switch', '--home', home, '--shared', shared, '--start'], env).finally(
    () => {
      traffic = false;
    },
  );
  await load;
  if (!switched.ok)
    throw new Error(`switch failed: ${switched.message}\n${tail(path.join(home, 'node.log'))}`);
  const maintenance = (outcome: Outcome) =>
    outcome.status === 503 && outcome.body.includes('maintenance: migration in progress');
  const failed = outcomes.filter(
    (outcome) => !maintenance(outcome) && (typeof outcome.status !== 'number' || outcome.status >= 500),
  );
  if (failed.length > 0) log(`failed requests: ${JSON.stringify(failed.slice(0, 5))}`);
  if (retried.length > 0) log(`tried again (as a balancer would): ${retried.join(', ')}`);

  log('verify');
  const verify = await migrate(['verify', '--home', home], env);
  if (!verify.ok) throw new Error(`verify failed: ${verify.message}`);

  const window = switched.window!;
  log(`window phases: ${JSON.stringify(window.phases)}`);
  console.log(
    JSON.stringify({
      precopyMs: precopy.durationMs,
      rehearsalPredictedWindowMs: precopy.rehearsal!.predictedWindowMs,
      windowMs: window.windowMs,
      dbRows: switched.database!.rows,
      dbCopyMs: switched.database!.copyMs,
      deltaFiles: window.deltaFiles,
      verifyMs: verify.durationMs,
      requestsDuringWindow: { ok503: outcomes.filter(maintenance).length, failed: failed.length },
    }),
  );
});
