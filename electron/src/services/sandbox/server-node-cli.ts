import { fileURLToPath } from 'node:url';

/**
 * The server node's CLI as built in this repository (server-node/dist/cli/main.js), found from this
 * file's place in electron/dist; the packaged app passes the copy in its resources instead.
 */
export function repoServerNodeCli(): string {
  return fileURLToPath(new URL('../../../../server-node/dist/cli/main.js', import.meta.url));
}
