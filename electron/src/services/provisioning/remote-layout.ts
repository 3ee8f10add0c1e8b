import type { ProvisionHost } from './provision-host.js';

/** Where things live on a provisioned host, all under its install root. */
export interface RemoteLayout {
  root: string;
  home: string;
  uploads: string;
  /** Completed provisioning steps, one `step sha256` line each, so a re-run resumes. */
  stateFile: string;
  node: string;
  cli: string;
  supervisor: string;
}

export function remoteLayout(host: Pick<ProvisionHost, 'installRoot'>): RemoteLayout {
  const root = host.installRoot.replace(/\/+$/, '');
  return {
    root,
    home: `${root}/home`,
    uploads: `${root}/uploads`,
    stateFile: `${root}/provision-state`,
    node: `${root}/current/node/bin/node`,
    cli: `${root}/current/server/flotilla-node.mjs`,
    supervisor: `${root}/current/flotilla-supervise.sh`,
  };
}
