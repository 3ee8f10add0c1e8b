import type { Locator, Page } from '@playwright/test';

/** The "Move to high availability" wizard: its stepper, the step shown, its checks and progress, the banner. */
export class MigrationPage {
  readonly wizard: Locator;
  readonly banner: Locator;
  readonly commandsDialog: Locator;

  constructor(readonly page: Page) {
    this.wizard = page.getByTestId('migration-wizard');
    this.banner = page.getByTestId('migration-banner');
    this.commandsDialog = page.getByRole('dialog', { name: /^Commands:/ });
  }

  async open(): Promise<void> {
    await this.page.getByRole('tab', { name: 'Move to HA' }).click();
  }

  /** The step panel shown, by its id (source, target, … finish). */
  step(step: string): Locator {
    return this.page.locator(`[data-testid="migration-step"][data-step="${step}"]`);
  }

  stepperItem(step: string): Locator {
    return this.page.locator(`[data-testid="migration-stepper-step"][data-step="${step}"]`);
  }

  async press(step: string, button: string | RegExp): Promise<void> {
    await this.step(step).getByRole('button', { name: button }).click();
  }

  async fill(step: string, label: string | RegExp, value: string): Promise<void> {
    await this.step(step).getByLabel(label).fill(value);
  }

  /** The checks of a step (preflight, verification, smoke test), with `data-status` pass | warn | fail. */
  checks(step: string): Locator {
    return this.step(step).getByTestId('migration-check');
  }

  /** "Show the commands" of the step shown: opens the dialog and returns its text, then closes it. */
  async commandsOf(step: string): Promise<string> {
    await this.press(step, 'Show the commands');
    const blocks = this.commandsDialog.getByTestId('migration-commands');
    await blocks.first().waitFor();
    const text = (await blocks.allInnerTexts()).join('\n');
    await this.commandsDialog.getByRole('button', { name: 'Close' }).click();
    await this.commandsDialog.waitFor({ state: 'detached' });
    return text;
  }

  /** Fills the new-node fields of a host in the Nodes step (its checkbox ticked first). */
  async planNode(
    address: string,
    node: { name: string; listenHost: string; port: number; publicUrl: string; installRoot: string },
  ): Promise<void> {
    const row = this.page.locator(`[data-testid="migration-node-host"][data-address="${address}"]`);
    await row.getByRole('checkbox').check();
    await row.getByLabel('Node name').fill(node.name);
    await row.getByLabel('Listen address').fill(node.listenHost);
    await row.getByLabel('Port').fill(String(node.port));
    await row.getByLabel('Public URL').fill(node.publicUrl);
    await row.getByLabel('Install root').fill(node.installRoot);
  }
}
