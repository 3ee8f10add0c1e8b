import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { NodeConfig } from '../config/node-config.js';
import { NODE_CONNECTIONS, NodeRuntime } from './node-runtime.js';

const CONFIG: NodeConfig = {
  name: 'node-1',
  listen: { host: '127.0.0.1', port: 0 },
  publicUrl: 'http://127.0.0.1:1',
  dbUrl: 'postgres://flotilla@127.0.0.1:1/flotilla',
  masterKey: 'k',
};

// The pools connect lazily: building a runtime opens no connection, so no database is needed here.
const mainPool = async (config: NodeConfig) => {
  const runtime = new NodeRuntime(config, '/nonexistent', pino({ level: 'silent' }));
  const { max, idleTimeoutMillis } = runtime.pool.options;
  await runtime.stop();
  return { max, idleTimeoutMillis };
};

describe("a node's main connection pool", () => {
  it('has the default size, and closes idle connections within seconds', async () => {
    expect(await mainPool(CONFIG)).toEqual({ max: NODE_CONNECTIONS.main, idleTimeoutMillis: 5000 });
  });

  it('follows dbPool in flotilla.json', async () => {
    expect(await mainPool({ ...CONFIG, dbPool: { max: 3, idleMs: 250 } })).toEqual({
      max: 3,
      idleTimeoutMillis: 250,
    });
  });
});
