import type { Locator, Page } from '@playwright/test';

/** The Hosts view: the SSH inventory, its dialogs, and the action panel that streams a node action. */
export class HostsPage {
  readonly addDialog: Locator;
  readonly provisionDialog: Locator;
  readonly settingsDialog: Locator;
  readonly windowsDialog: Locator;
  /** The panel of the action shown (the latest one unless another was picked). */
  readonly actionState: Locator;
  readonly uploadProgress: Locator;
  readonly checkLines: Locator;
  /** The failed action's step, reason and fix, with "Run again". */
  readonly failure: Locator;

  constructor(readonly page: Page) {
    this.addDialog = page.getByRole('dialog', { name: 'Add host' });
    this.provisionDialog = page.getByRole('dialog', { name: 'Provision a node' });
    this.settingsDialog = page.getByRole('dialog', { name: 'Provisioning settings' });
    this.windowsDialog = page.getByRole('dialog', { name: 'Add a Windows host' });
    this.actionState = page.getByTestId('action-state');
    this.uploadProgress = page.getByTestId('upload-progress');
    this.checkLines = page.getByTestId('check-line');
    this.failure = page.getByTestId('action-failure');
  }

  async open(): Promise<void> {
    await this.page.getByRole('tab', { name: 'Hosts' }).click();
  }

  row(address: string): Locator {
    return this.page.locator(`[data-testid="host-row"][data-address="${address}"]`);
  }

  /** "Add a Windows host": asks for the msiexec line and returns where it shows it. */
  async showWindowsInstall(nodeName: string, serviceAccount: string): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Add a Windows host' }).click();
    await this.windowsDialog.getByLabel('Node name').fill(nodeName);
    await this.windowsDialog.getByLabel('Service account').fill(serviceAccount);
    await this.windowsDialog.getByRole('button', { name: 'Show the command' }).click();
    return this.windowsDialog.getByTestId('windows-install-command');
  }

  async enterProvisioningSettings(dbUrl: string, masterKey: string): Promise<void> {
    await this.page.getByRole('button', { name: 'Enter them' }).click();
    await this.settingsDialog.getByLabel('Database URL, as the hosts reach it').fill(dbUrl);
    await this.settingsDialog.getByLabel('Master key').fill(masterKey);
    await this.settingsDialog.getByRole('button', { name: 'Save' }).click();
    await this.settingsDialog.waitFor({ state: 'detached' });
  }

  /** Fills the add dialog and asks for the host key; returns the fingerprint box the admin compares. */
  async probe(host: {
    address: string;
    sshPort: number;
    username: string;
    privateKey: string;
  }): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Add host' }).click();
    await this.addDialog.getByRole('textbox', { name: /^Address/ }).fill(host.address);
    await this.addDialog.getByRole('spinbutton', { name: /^SSH port/ }).fill(String(host.sshPort));
    await this.addDialog.getByLabel('User').fill(host.username);
    await this.addDialog.getByRole('radio', { name: 'Private key' }).check();
    await this.addDialog.getByRole('textbox', { name: /^Private key/ }).fill(host.privateKey);
    await this.addDialog.getByRole('button', { name: 'Check host key' }).click();
    return this.addDialog.getByTestId('presented-fingerprint');
  }

  async trust(): Promise<void> {
    await this.addDialog.getByRole('button', { name: 'Trust this key and add' }).click();
    await this.addDialog.waitFor({ state: 'detached' });
  }

  async rowAction(address: string, item: string | RegExp): Promise<void> {
    await this.page.getByRole('button', { name: `Actions for ${address}` }).click();
    await this.page.getByRole('menuitem', { name: item }).click();
  }

  async provision(
    address: string,
    node: { name: string; listenHost: string; port: number; publicUrl: string; installRoot: string },
  ): Promise<void> {
    await this.rowAction(address, /Provision a node/);
    const dialog = this.provisionDialog;
    await dialog.getByLabel('Node name').fill(node.name);
    await dialog.getByLabel('Listen address').fill(node.listenHost);
    await dialog.getByRole('spinbutton', { name: /^Port/ }).fill(String(node.port));
    await dialog.getByLabel('Public URL').fill(node.publicUrl);
    await dialog.getByLabel('Install root').fill(node.installRoot);
    await dialog.getByRole('button', { name: 'Provision' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  /** One step line of the action panel, e.g. step('upload'); `data-status` says how it went. */
  step(step: string): Locator {
    return this.page.locator(`[data-testid="action-step"][data-step="${step}"]`).last();
  }
}
