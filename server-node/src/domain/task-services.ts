import type pg from 'pg';
import { readNodeConfig } from '../config/node-config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { createPool } from '../db/pool.js';
import { readClusterRow } from '../sql/cluster-row.js';
import { TaskFailure } from '../tasks/task-kind.js';

export interface TaskServices {
  db: pg.Pool;
  secrets: SecretBox;
  sharedDir: string;
}

/**
 * What domain task kinds (deploy, health-check, retention) need beyond the TaskContext: the
 * database, the master key and shared storage. They come from the node's own home (flotilla.json),
 * with a small pool that lives as long as the task, so the worker's interface stays as it is.
 */
export async function withTaskServices<T>(
  home: string,
  use: (services: TaskServices) => Promise<T>,
): Promise<T> {
  const config = await readNodeConfig(home);
  const db = createPool(config.dbUrl, { max: 2 });
  try {
    const cluster = await readClusterRow(db);
    if (!cluster) throw new TaskFailure('the database holds no cluster row');
    return await use({ db, secrets: new SecretBox(config.masterKey), sharedDir: cluster.shared_dir });
  } finally {
    await db.end();
  }
}
