import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { embeddedUrl, initialiseEmbedded, startEmbedded } from '../db/embedded.js';
import { findFreePort } from '../net/free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the suite's PostgreSQL; each test file creates its own database in it. */
    pgAdminUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: FLOTILLA_TEST_DB_URL if set (any external server, e.g. Debian's),
 * else an embedded one in a temporary folder, without fsync since its data is thrown away.
 */
export default async function setup(project: TestProject) {
  const external = process.env.FLOTILLA_TEST_DB_URL;
  if (external) {
    project.provide('pgAdminUrl', external);
    return;
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'flotilla-test-pg-'));
  const port = await findFreePort(0);
  const password = randomBytes(12).toString('base64url');
  const options = {
    dataDir,
    port,
    password,
    flags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
  };
  await initialiseEmbedded(options);
  const server = await startEmbedded(options);
  project.provide('pgAdminUrl', embeddedUrl(port, password));
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
