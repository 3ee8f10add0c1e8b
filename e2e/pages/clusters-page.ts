import type { Locator, Page } from '@playwright/test';

export class ClustersPage {
  readonly addButton: Locator;
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.addButton = page.getByRole('button', { name: 'Add a cluster' }).first();
    this.dialog = page.getByRole('dialog', { name: 'Add a cluster' });
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="cluster-row"][data-name="${name}"]`);
  }

  /** Fills the add dialog; `test` presses "Test connection" first. */
  async fill(name: string, balancerUrl: string, apiKey: string): Promise<void> {
    await this.addButton.click();
    await this.dialog.getByLabel('Name').fill(name);
    await this.dialog.getByLabel('Balancer URL').fill(balancerUrl);
    await this.dialog.getByLabel('API key').fill(apiKey);
  }

  async testConnection(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Test connection' }).click();
  }

  async save(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Save' }).click();
  }

  async cancel(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Cancel' }).click();
  }
}
