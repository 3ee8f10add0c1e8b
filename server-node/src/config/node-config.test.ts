import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configPath, readNodeConfig } from './node-config.js';

const BASE = {
  name: 'node-1',
  listen: { host: '127.0.0.1', port: 8080 },
  publicUrl: 'http://127.0.0.1:8080',
  dbUrl: 'postgres://flotilla@127.0.0.1/flotilla',
  masterKey: 'k',
};

describe('the database pool settings in flotilla.json', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'flotilla-node-config-'));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  const read = async (dbPool: unknown) => {
    await writeFile(configPath(home), JSON.stringify({ ...BASE, dbPool }));
    return readNodeConfig(home);
  };

  it('are optional and read as given', async () => {
    expect((await read(undefined)).dbPool).toBeUndefined();
    expect((await read({ max: 4, idleMs: 2000 })).dbPool).toEqual({ max: 4, idleMs: 2000 });
  });

  it.each([
    [{ max: 1 }, /dbPool\.max/],
    [{ max: 1e9 }, /dbPool\.max/],
    [{ max: '10' }, /dbPool\.max/],
    [{ idleMs: -5 }, /dbPool\.idleMs/],
    [{ idleMs: 2.5 }, /dbPool\.idleMs/],
    [{ maxx: 10 }, /dbPool/],
    ['10; drop table nodes', /dbPool/],
  ])('refuse %j with the field named', async (dbPool, message) => {
    await expect(read(dbPool)).rejects.toThrow(message);
  });
});
