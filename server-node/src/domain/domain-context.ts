import type pg from 'pg';
import type { SecretBox } from '../crypto/secret-box.js';
import type { NodeRuntime } from '../node/node-runtime.js';

/** What the domain routes share: the database, the secret box, shared storage, this node's name. */
export class DomainContext {
  constructor(private readonly runtime: NodeRuntime) {}

  get secrets(): SecretBox {
    return this.runtime.secrets;
  }

  get db(): pg.Pool {
    return this.runtime.pool;
  }

  /** Read at each use: `flotilla-node path` may move it, and the runtime learns that at its checks. */
  get sharedDir(): string {
    return this.runtime.sharedDir;
  }

  get nodeName(): string {
    return this.runtime.name;
  }
}
