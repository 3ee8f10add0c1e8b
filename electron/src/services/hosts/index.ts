// The console's Hosts view behind the contract: the host inventory, host-key pinning and node actions.
export { HostsService } from './hosts-service.js';
export type { SandboxAccess } from './provisioning-settings.js';
