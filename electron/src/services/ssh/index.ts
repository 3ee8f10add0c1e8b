// The console's one SSH layer: the balancer host, provisioning (SFTP uploads, remote commands) and
// host-key confirmation all go through these exports.
export { probeHostKey } from './probe-host-key.js';
export { SshConnection } from './ssh-connection.js';
export * from './ssh-errors.js';
export type { SshAuth } from './ssh-host-spec.js';
