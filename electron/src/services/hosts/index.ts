// The console's Hosts view behind the contract: the host inventory, host-key pinning and node actions.
export { HostsService, type ActiveCluster, type HostsServiceOptions } from './hosts-service.js';
export type { SandboxAccess } from './provisioning-settings.js';
