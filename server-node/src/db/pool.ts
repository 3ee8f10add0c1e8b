import pg from 'pg';
import type { Logger } from 'pino';
import { UserError } from '../user-error.js';

/**
 * A client that sends every statement unnamed. Behind a pooler in transaction mode (PgBouncer before
 * 1.21) a named prepared statement lives on the server connection it was prepared on, and the next
 * transaction may be given another one: "prepared statement does not exist". The cost is a parse and
 * plan per statement, which the claim and finish statements otherwise save.
 */
class UnnamedStatementsClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const named = super.query.bind(this) as (...args: unknown[]) => unknown;
    this.query = ((query: unknown, ...rest: unknown[]) =>
      named(unnamed(query), ...rest)) as pg.Client['query'];
  }
}

/** A plain query config without its name; a query object (a cursor, a stream) or text as it is. */
function unnamed(query: unknown): unknown {
  const plain =
    typeof query === 'object' &&
    query !== null &&
    'name' in query &&
    typeof (query as { submit?: unknown }).submit !== 'function';
  return plain ? { ...query, name: undefined } : query;
}

// Every pool gets an error handler (an idle client losing its connection must not crash the node)
// and client-side timeouts, so a database that stops answering surfaces as an error, not a hang.
export function createPool(
  url: string,
  options: {
    max?: number;
    log?: Logger;
    queryTimeoutMs?: number;
    idleMs?: number;
    /** The URL goes through a pooler in transaction mode: no named prepared statements. */
    pooled?: boolean;
  } = {},
) {
  refuseMultipleHosts(url);
  const pool = new pg.Pool({
    ...(options.pooled ? { Client: UnnamedStatementsClient } : {}),
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 3000,
    query_timeout: options.queryTimeoutMs ?? 10_000,
    idleTimeoutMillis: options.idleMs ?? 10_000,
    keepAlive: true,
  });
  pool.on('error', (error) =>
    options.log?.warn({ err: describeDbError(error, url) }, 'idle database client failed'),
  );
  return pool;
}

/**
 * libpq's multi-host URLs (`postgres://h1,h2/db?target_session_attrs=read-write`) are not understood by
 * node-postgres, which the nodes use: it fails with a bare "Invalid URL". Say so, and what works instead.
 */
function refuseMultipleHosts(url: string): void {
  const authority = /^postgres(?:ql)?:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(url)?.[1] ?? '';
  if (!authority.includes(',')) return;
  throw new UserError(
    `The database URL names more than one host (${authority}): the nodes' PostgreSQL driver takes one. ` +
      `Give the address that always reaches the primary — a virtual IP, or a TCP proxy or load balancer that ` +
      `follows it (see "Where one PostgreSQL is not enough" in server-node/README.md).`,
  );
}

/** Turns a connection failure into a sentence that names the database and what to check. */
export function describeDbError(error: unknown, url: string): string {
  const where = redactUrl(url);
  const err = error as { code?: string; message?: string };
  switch (err.code) {
    case 'ECONNREFUSED':
      return `Cannot reach PostgreSQL at ${where}: connection refused. Is the server running and listening there?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot reach PostgreSQL at ${where}: the host name does not resolve.`;
    case '28P01':
    case '28000':
      return `PostgreSQL at ${where} rejected the credentials: ${err.message ?? ''}`;
    case '3D000':
      return `PostgreSQL at ${where}: ${err.message ?? 'database does not exist'}. Create it first.`;
    default:
      if (err.message?.includes('timeout')) {
        return `Cannot reach PostgreSQL at ${where}: the connection timed out.`;
      }
      return `PostgreSQL at ${where}: ${err.message ?? String(error)}`;
  }
}

/** A database URL without its password, safe for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable database URL)';
  }
}

export async function connectOrExplain(pool: pg.Pool, url: string): Promise<void> {
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    throw new UserError(describeDbError(error, url));
  }
}
