// Provisioning nodes on remote hosts over SSH (through the one SSH layer in ../ssh).
export { connectFix, connectHost } from './connect-host.js';
export { databaseClockOffset } from './database-clock.js';
export { deleteHostCredential, loadHostAuth, saveHostCredential } from './host-credentials.js';
export type { ProvisionHost } from './provision-host.js';
export { nodeLogTail, startNodeService, stopNodeService, type NodeServiceStart } from './node-service.js';
export { MAX_CLOCK_SKEW_MS, runPreflight, type PreflightCheck, type PreflightInput } from './preflight.js';
export { provisionNode, type ClusterAccess, type ProvisionOptions } from './provision-node.js';
export { ProvisionState } from './provision-state.js';
export { removeNode, type RemoveOptions } from './remove-node.js';
export { gracefulRestart, type RestartOptions } from './restart-node.js';
export { drainUntilIdle, type DrainOptions } from './drain-node.js';
export {
  builtinBalancer,
  haproxyNodeBalancer,
  inRotation,
  waitForRotation,
  type NodeBalancer,
} from './node-balancer.js';
export { replaceNode, type ReplaceOptions } from './replace-node.js';
export { ProvisionError, type ProvisionEvent, type ProvisionStatus } from './provision-step.js';
export { remoteLayout, type RemoteLayout } from './remote-layout.js';
export { readServerBundle, sha256File, type ServerBundle } from './server-bundle.js';
export { rollingRestart, type RollingRestartOptions } from './rolling-restart.js';
export { waitUntilServing, type WaitUntilServingOptions } from './wait-until-serving.js';
