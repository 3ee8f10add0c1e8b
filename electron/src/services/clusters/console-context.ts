import type { Push } from '../../common/contract.js';
import type { HostsService } from '../hosts/index.js';
import type { MigrationService } from '../migration/migration-service.js';
import type { ActiveSession } from './active-session.js';
import type { ClusterStore } from './cluster-store.js';
import type { SandboxControl } from './sandbox-control.js';

/** What the console's handler groups share: saved clusters, the active one, the sandbox, the hosts, migrations. */
export interface ConsoleContext {
  store: ClusterStore;
  push: Push;
  session: ActiveSession;
  sandbox: SandboxControl;
  /** Null in a console without the Hosts view. */
  hosts: HostsService | null;
  migrations: MigrationService;
}
