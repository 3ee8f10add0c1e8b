import type { NodeConfig } from '../config/node-config.js';
import { redactUrl } from '../db/pool.js';

/** A node's flotilla.json as a support engineer may see it: the master key and passwords removed. */
export function redactedConfig(config: NodeConfig): Record<string, unknown> {
  return {
    ...config,
    masterKey: '(removed)',
    dbUrl: redactUrl(config.dbUrl),
    ...(config.dbSessionUrl ? { dbSessionUrl: redactUrl(config.dbSessionUrl) } : {}),
    ...(config.embedded ? { embedded: { ...config.embedded, password: '(removed)' } } : {}),
  };
}
