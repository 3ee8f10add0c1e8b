import type { NodeConfig } from '../config/node-config.js';
import { redactUrl } from '../db/pool.js';

/** A node's flotilla.json as a support engineer may see it: the master key and passwords removed. */
export function redactedConfig(config: NodeConfig): Record<string, unknown> {
  const { masterKey: _key, dbUrl, embedded, ...rest } = config;
  return {
    ...rest,
    masterKey: '(removed)',
    dbUrl: redactUrl(dbUrl),
    ...(embedded ? { embedded: { ...embedded, password: '(removed)' } } : {}),
  };
}
