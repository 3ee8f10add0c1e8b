import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../user-error.js';

/** Whom a node trusts to say who the client is, unless flotilla.json says otherwise: the same host only. */
export const DEFAULT_TRUSTED_PROXIES = ['loopback'];

// An address, a CIDR range, or one of proxy-addr's names for the usual private ranges.
const trustedProxy = z
  .string()
  .refine(
    (value) =>
      ['loopback', 'linklocal', 'uniquelocal'].includes(value) ||
      (/^([^/]+)(\/\d{1,3})?$/.test(value) && isIP(value.split('/')[0]!) !== 0),
    'expected an IP address, a CIDR range, or loopback / linklocal / uniquelocal',
  );

// A node's own configuration, in <home>/flotilla.json. It holds the database URL and the master key,
// so it is written readable by its owner only (0600).
export const nodeConfigSchema = z.object({
  name: z.string().min(1),
  listen: z.object({ host: z.string().min(1), port: z.number().int().min(0).max(65535) }),
  /** The URL other nodes, the balancer and the console use to reach this node. */
  publicUrl: z.string().url(),
  dbUrl: z.string().min(1),
  /**
   * Set when `dbUrl` goes through a connection pooler in transaction mode (PgBouncer): a URL that reaches
   * PostgreSQL itself (or a session-mode pool), for what needs a session of its own — LISTEN and the
   * migration lock. With it, the pools on `dbUrl` send no named prepared statements. Default: `dbUrl`.
   */
  dbSessionUrl: z.string().min(1).optional(),
  /** Set when the database is the embedded PostgreSQL living in this home. */
  embedded: z.object({ dataDir: z.string(), port: z.number().int(), password: z.string() }).optional(),
  masterKey: z.string().min(1),
  /**
   * The balancers whose X-Forwarded-For / -Proto this node believes (the client's address for sign-in
   * throttling and the audit log). Anyone else could forge them. Default: DEFAULT_TRUSTED_PROXIES.
   */
  trustedProxies: z.array(trustedProxy).optional(),
  /**
   * The main connection pool (API, worker, tasks): at most `max` connections, each closed after
   * `idleMs` unused. Default: DB_POOL_DEFAULTS. The heartbeat and LISTEN connections come on top.
   */
  dbPool: z
    .object({
      max: z.number().int().min(2).max(100).optional(),
      idleMs: z.number().int().min(100).max(600_000).optional(),
    })
    .strict()
    .optional(),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;

export function configPath(home: string): string {
  return path.join(path.resolve(home), 'flotilla.json');
}

export async function readNodeConfig(home: string): Promise<NodeConfig> {
  const file = configPath(home);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    // The Windows service the MSI installed without properties (flotilla-node.wxs) says how to finish.
    const msi =
      process.env.FLOTILLA_INSTALLER === 'msi'
        ? ' This node was installed by the MSI without a configuration: install it again with ' +
          'msiexec /i flotilla-node-<version>-win-x64.msi FLOTILLA_DB_URL=<PostgreSQL URL> ' +
          'FLOTILLA_SHARED=<shared folder> FLOTILLA_MASTER_KEY_FILE=<file holding the master key>, or run init ' +
          'as an administrator with those options and restart the service.'
        : '';
    throw new UserError(
      `No node configuration at ${file}. Run 'flotilla-node init --home ${home}' first.${msi}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${file} is not valid JSON. Fix it or run 'flotilla-node init' again.`);
  }
  const parsed = nodeConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file} is invalid: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

export async function writeNodeConfig(home: string, config: NodeConfig): Promise<void> {
  await mkdir(path.resolve(home), { recursive: true });
  const file = configPath(home);
  await writeFile(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
}
