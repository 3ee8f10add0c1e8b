import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SERVER_NODE_CLI = fileURLToPath(new URL('../../server-node/dist/cli/main.js', import.meta.url));
export const WEB_HOST_MAIN = fileURLToPath(new URL('../../electron/dist/web-host/main.js', import.meta.url));
export const RESULTS_DIR = fileURLToPath(new URL('../test-results/', import.meta.url));
