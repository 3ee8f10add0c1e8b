import type pg from 'pg';
import { SecretBox } from '../crypto/secret-box.js';
import type { NodeRuntime } from '../node/node-runtime.js';

/** What the domain routes share: the database, the secret box, shared storage, this node's name. */
export class DomainContext {
  readonly secrets: SecretBox;

  constructor(private readonly runtime: NodeRuntime) {
    this.secrets = new SecretBox(runtime.config.masterKey);
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
