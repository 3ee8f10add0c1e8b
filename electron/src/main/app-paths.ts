import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoServerNodeCli } from '../services/sandbox/server-node-cli.js';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/**
 * Where the app's parts are: inside the installed app (electron-builder's extraResources) or in this
 * repository when run with `npm start`.
 */
export function appPaths(packaged: boolean, resourcesPath: string) {
  return {
    preload: here('../preload/preload.cjs'),
    rendererIndex: packaged
      ? path.join(resourcesPath, 'renderer', 'index.html')
      : here('../../../renderer/dist/index.html'),
    serverNodeCli: packaged
      ? path.join(resourcesPath, 'server-node', 'dist', 'cli', 'main.js')
      : repoServerNodeCli(),
  };
}
