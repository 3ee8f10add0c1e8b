import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

// `--pg-stats`: where a batch's database time goes. Statement totals come from pg_stat_statements;
// what the backends wait on (locks, WAL flushes, CPU) from sampling pg_stat_activity.

async function adminQuery<R extends pg.QueryResultRow>(
  adminUrl: string,
  sql: string,
  params: unknown[] = [],
) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function resetStatements(adminUrl: string): Promise<void> {
  await adminQuery(adminUrl, 'select pg_stat_statements_reset()');
}

interface StatementRow {
  calls: string;
  exec_ms: number;
  plan_ms: number;
  mean_ms: number;
  rows: string;
  query: string;
}

/** The statements of `database` that took the most time (execution + planning) since the last reset. */
export async function topStatements(adminUrl: string, database: string, limit = 10): Promise<string> {
  const rows = await adminQuery<StatementRow>(
    adminUrl,
    `select s.calls::text, round(s.total_exec_time::numeric, 1)::float8 as exec_ms,
            round(s.total_plan_time::numeric, 1)::float8 as plan_ms,
            round(s.mean_exec_time::numeric, 3)::float8 as mean_ms, s.rows::text,
            regexp_replace(left(s.query, 140), '\\s+', ' ', 'g') as query
     from pg_stat_statements s join pg_database d on d.oid = s.dbid
     where d.datname = $1 order by s.total_exec_time + s.total_plan_time desc limit $2`,
    [database, limit],
  );
  return rows
    .map(
      (r) => `  ${r.exec_ms} ms exec + ${r.plan_ms} ms plan, ${r.calls} calls (${r.mean_ms} ms): ${r.query}`,
    )
    .join('\n');
}

/**
 * Samples what the client backends of `database` are doing every 10 ms until the returned function
 * is called, which resolves with the share of each state ("on CPU", "Lock:object", "IO:WalSync"…).
 */
export function sampleActivity(adminUrl: string, database: string): () => Promise<string> {
  const counts = new Map<string, number>();
  let stopped = false;
  const loop = (async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      while (!stopped) {
        const rows = (
          await client.query<{ what: string }>(
            `select case when state = 'active' then coalesce(wait_event_type || ':' || wait_event, 'on CPU')
                         else coalesce(state, '?') end as what
             from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
            [database],
          )
        ).rows;
        for (const row of rows) counts.set(row.what, (counts.get(row.what) ?? 0) + 1);
        await sleep(10);
      }
    } finally {
      await client.end();
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    const total = [...counts.values()].reduce((sum, n) => sum + n, 0) || 1;
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([what, n]) => `  ${((n / total) * 100).toFixed(1)}% ${what}`)
      .join('\n');
  };
}
