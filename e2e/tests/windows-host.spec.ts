import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '../fixtures.js';
import { findFreePortRange } from '@flotilla/server-node/net/free-port';
import { SERVER_NODE_CLI } from '../support/repo-paths.js';

// An admin adds a Windows host: the console shows the silent msiexec line for this cluster and waits; the
// node joins by itself (here a node on this machine stands in for the Windows host, started with the same
// `init` the MSI runs) and the dialog sees it appear.

const NODE = 'win-e2e-1';
let node: ChildProcess | null = null;

test.afterAll(async () => {
  if (node && node.exitCode === null) {
    const exited = new Promise((resolve) => node!.once('exit', resolve));
    node.kill('SIGTERM');
    await exited;
  }
});

test('an admin gets the msiexec line for a Windows host and sees the node join', async ({
  consoleUrl,
  sandbox,
  shell,
  clusters,
  hosts,
  workDir,
}) => {
  test.setTimeout(240_000);
  const config = JSON.parse(readFileSync(path.join(sandbox.dir, 'node-1', 'flotilla.json'), 'utf8')) as {
    masterKey: string;
  };
  const dbPassword = new URL(sandbox.dbUrl).password;
  await shell.open(consoleUrl);
  await shell.go('Clusters');
  await clusters.fill('Windows target', sandbox.balancerUrl, sandbox.apiKey);
  await clusters.save();
  await expect(clusters.row('Windows target')).toContainText('active');
  await hosts.open();
  await hosts.enterProvisioningSettings(sandbox.dbUrl, config.masterKey);

  const command = await hosts.showWindowsInstall(NODE, 'CORP\\flotilla$');
  await expect(command).toContainText('msiexec /i flotilla-node-');
  await expect(command).toContainText(`FLOTILLA_NODE_NAME=${NODE}`);
  await expect(command).toContainText('FLOTILLA_SERVICE_ACCOUNT=CORP\\flotilla$');
  await expect(command).toContainText('FLOTILLA_MASTER_KEY_FILE=C:\\ProgramData\\Flotilla\\master.key');
  await expect(command).toContainText(':*****@');
  const shown = (await command.textContent()) ?? '';
  expect(shown).not.toContain(config.masterKey);
  if (dbPassword) expect(shown).not.toContain(dbPassword);
  const status = hosts.windowsDialog.getByTestId('windows-host-status');
  await expect(status).toContainText(`Waiting for ${NODE} to appear in the Nodes view`);
  await expect(hosts.windowsDialog).toContainText('Restarting and upgrading a Windows node are the admin');

  // The host runs what the MSI runs: init with the properties (the master key from a file), then the node.
  const keyFile = path.join(workDir, 'master.key');
  writeFileSync(keyFile, config.masterKey, { mode: 0o600 });
  const home = path.join(workDir, NODE);
  const port = await findFreePortRange(1);
  const init = spawn(process.execPath, [
    SERVER_NODE_CLI,
    'init',
    '--home',
    home,
    '--db',
    sandbox.dbUrl,
    '--name',
    NODE,
    '--master-key-file',
    keyFile,
    '--listen',
    `127.0.0.1:${port}`,
  ]);
  expect(await new Promise((resolve) => init.once('exit', resolve))).toBe(0);
  node = spawn(process.execPath, [SERVER_NODE_CLI, 'run', '--home', home], { stdio: 'ignore' });

  await expect(status).toContainText(`${NODE} joined the cluster`, { timeout: 60_000 });
  await hosts.windowsDialog.getByRole('button', { name: 'Close' }).click();
  await expect(hosts.windowsDialog).toBeHidden();
});
