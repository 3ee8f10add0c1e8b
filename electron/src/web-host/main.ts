import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PushContract, PushEvent } from '../common/contract.js';
import { INVOKE } from '../common/contract.js';
import { consoleConfigDir } from '../services/clusters/config-dir.js';
import { createConsoleBackend } from '../services/clusters/create-console-backend.js';
import { repoServerNodeCli } from '../services/sandbox/server-node-cli.js';
import { EncryptedFileVault } from '../services/vault/encrypted-file-vault.js';
import { FileKeyCipher } from '../services/vault/file-key-cipher.js';
import { openBrowser } from './open-browser.js';
import { WebHost } from './web-host.js';

// `npm run console:web`: the console in the browser, for machines without the Electron binary and
// for the end-to-end tests. Prints the URL (with its per-run token) and opens it.

const USAGE = `Usage: node electron/dist/web-host/main.js [options]
  --port N            listen on 127.0.0.1:N (default: any free port)
  --no-open           do not open the browser
  --start-sandbox     start the local sandbox cluster and select it
  --sandbox-dir DIR   where the sandbox keeps its data (default: <config dir>/sandbox)
  --sandbox-port N    the sandbox's base port (default 8300)
  --json              print {url, token} as one JSON line instead of text
Settings and secrets live in FLOTILLA_CONSOLE_HOME, or the user's config folder.`;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'no-open': { type: 'boolean' },
    'start-sandbox': { type: 'boolean' },
    'sandbox-dir': { type: 'string' },
    'sandbox-port': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const version = (JSON.parse(readFileSync(here('../../package.json'), 'utf8')) as { version: string }).version;
const configDir = consoleConfigDir();
const rendererDir = process.env.FLOTILLA_RENDERER_DIR ?? here('../../../renderer/dist');
// What provisioning uploads: `npm run bundle:server` builds it into dist-bundles.
const bundlesDir = process.env.FLOTILLA_BUNDLES_DIR ?? here('../../../dist-bundles');

let host: WebHost | null = null;
const push = <E extends PushEvent>(event: E, payload: PushContract[E]) => host?.push(event, payload);
const backend = createConsoleBackend({
  configDir,
  vault: new EncryptedFileVault(
    path.join(configDir, 'vault.json'),
    new FileKeyCipher(path.join(configDir, 'vault.key')),
  ),
  push,
  transport: 'web',
  version,
  bundlesDir,
  sandbox: {
    cliPath: repoServerNodeCli(),
    dir: values['sandbox-dir'] ? path.resolve(values['sandbox-dir']) : undefined,
    port: values['sandbox-port'] ? Number(values['sandbox-port']) : undefined,
    onLog: (line) => process.stderr.write(`[sandbox] ${line}\n`),
  },
});
host = new WebHost({ rendererDir, handlers: backend.handlers, port: values.port ? Number(values.port) : 0 });

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await backend.stop();
  await host?.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());

const url = await host.listen();
await backend.start();
if (values.json) {
  console.log(JSON.stringify({ url, token: host.token }));
} else {
  console.log(`Flotilla Console: ${url}`);
  console.log(
    '(the token in the URL changes every run; Ctrl+C stops the console and any sandbox it started)',
  );
}
if (!values['no-open'] && !(await openBrowser(url))) {
  console.log('No browser could be opened here: open the URL above yourself.');
}
if (values['start-sandbox']) {
  console.log('Starting the local sandbox cluster (embedded PostgreSQL + 3 nodes)…');
  await backend.handlers[INVOKE.sandbox.start]().then(
    (status) => console.log(`Sandbox running at ${status.balancerUrl}; it is selected in the console.`),
    (error: Error) => console.error(`The sandbox did not start: ${error.message}`),
  );
}
