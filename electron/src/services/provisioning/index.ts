// Provisioning nodes on remote hosts over SSH (through the one SSH layer in ../ssh): what the
// console's hosts service and the balancer handlers use.
export { deleteHostCredential, loadHostAuth, saveHostCredential } from './host-credentials.js';
export type { ProvisionHost } from './provision-host.js';
export { provisionNode, type ClusterAccess } from './provision-node.js';
export { removeNode } from './remove-node.js';
export { gracefulRestart } from './restart-node.js';
export { builtinBalancer, haproxyNodeBalancer, type NodeBalancer } from './node-balancer.js';
export { replaceNode } from './replace-node.js';
export { ProvisionError, type ProvisionEvent } from './provision-step.js';
export { readServerBundle, type ServerBundle } from './server-bundle.js';
export { readBundleSchema } from './bundle-schema.js';
export { rollingRestart } from './rolling-restart.js';
