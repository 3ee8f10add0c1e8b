// The console's one SSH layer: the balancer host, provisioning (SFTP uploads, remote commands) and
// host-key confirmation all go through these exports.
export type { PresentedHostKey } from './connect-client.js';
export { probeHostKey } from './probe-host-key.js';
export {
  SshConnection,
  type SshConnectOptions,
  type SshExecOptions,
  type SshExecResult,
  type SshUploadOptions,
} from './ssh-connection.js';
export * from './ssh-errors.js';
export { describeHost, type SshAuth, type SshHostSpec } from './ssh-host-spec.js';
export type { SshExit, SshProcess } from './ssh-process.js';
