import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Cleanup } from '../bench/util.js';
import { say } from './chaos-log.js';
import { ChaosPostgres } from './chaos-postgres.js';
import { dbPartition } from './db-partition.js';
import { dbPoolExhausted } from './db-pool-exhausted.js';
import { logDiskFull } from './log-disk-full.js';
import { nodeFrozen } from './node-frozen.js';
import { postgresRestart } from './postgres-restart.js';
import { sharedGone } from './shared-gone.js';
import { sharedReadOnly } from './shared-read-only.js';
import type { ScenarioRow, ScenarioSpec } from './scenario.js';
import { runScenario } from './scenario.js';

// `npm run chaos`: every scenario with real processes (PostgreSQL, three nodes, the balancer) under
// steady load. One JSON object on stdout, a row per scenario; progress on stderr. Exits 1 when a
// target is missed, and says which and why.

const SCENARIOS: ScenarioSpec[] = [
  postgresRestart,
  dbPartition,
  nodeFrozen,
  sharedReadOnly,
  sharedGone,
  logDiskFull,
  dbPoolExhausted,
];

const USAGE = `Usage: npm run chaos -- [--only NAME[,NAME…]]

  --only   run these scenarios only: ${SCENARIOS.map((spec) => spec.name).join(', ')}
Needs root (mounts a small tmpfs for the shared folder; nodes run in mount namespaces of their own).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  const only = values.only?.split(',');
  const unknown = only?.filter((name) => !SCENARIOS.some((spec) => spec.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`no scenario ${unknown.join(', ')}\n${USAGE}`);
  if (process.getuid?.() !== 0) throw new Error(`the chaos suite needs root.\n${USAGE}`);

  const startedAt = performance.now();
  const cleanup = new Cleanup();
  const stop = (signal: string) => {
    say(`${signal}: cleaning up`);
    void cleanup.runAll().then(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const rows: ScenarioRow[] = [];
  try {
    const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-chaos-'));
    // As root, nodes run as root but the embedded PostgreSQL as `postgres`: every folder stays enterable.
    await chmod(dir, 0o755);
    if (!process.env.FLOTILLA_KEEP_TEST_DIRS)
      cleanup.add('remove the run folder', () => rm(dir, { recursive: true, force: true }));
    else say(`keeping ${dir}`);
    const postgres = await ChaosPostgres.start(cleanup);
    const selected = SCENARIOS.filter((spec) => !only || only.includes(spec.name));
    for (const [index, spec] of selected.entries()) {
      const row = await runScenario(spec, { postgres, dir, index });
      say(
        `${row.scenario}: ${row.misses.length === 0 ? 'ok' : `MISSED ${row.misses.join(' · ')}`} (${row.durationMs} ms)`,
      );
      rows.push(row);
    }
  } finally {
    await cleanup.runAll();
  }
  const missed = rows.filter((row) => row.misses.length > 0);
  const report = {
    ok: missed.length === 0,
    durationMs: Math.round(performance.now() - startedAt),
    scenarios: rows,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  for (const row of missed) process.stderr.write(`chaos: ${row.scenario} missed: ${row.misses.join('; ')}\n`);
  return missed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
