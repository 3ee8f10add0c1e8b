import pg from 'pg';
import type { Logger } from 'pino';
import { UserError } from '../user-error.js';

// Every pool gets an error handler (an idle client losing its connection must not crash the node)
// and client-side timeouts, so a database that stops answering surfaces as an error, not a hang.
export function createPool(
  url: string,
  options: { max?: number; log?: Logger; queryTimeoutMs?: number; idleMs?: number } = {},
) {
  const pool = new pg.Pool({
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
