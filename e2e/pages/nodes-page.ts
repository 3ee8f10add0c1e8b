import type { Locator, Page } from '@playwright/test';

export class NodesPage {
  readonly rows: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId('node-row');
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="node-row"][data-name="${name}"]`);
  }

  /** The state the row shows: running | draining | offline | dead. */
  state(name: string): Promise<string | null> {
    return this.row(name).getAttribute('data-state');
  }

  /** "running / cap" as the row shows it. */
  runningOfCap(name: string): Locator {
    return this.row(name).getByTestId('running-of-cap');
  }

  async runningTasks(name: string): Promise<number> {
    const text = (await this.runningOfCap(name).textContent()) ?? '';
    return Number(text.split('/')[0]?.trim());
  }

  async openActions(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Actions for ${name}` }).click();
  }

  async select(name: string): Promise<void> {
    await this.row(name).getByRole('checkbox').check();
  }

  async drainSelected(): Promise<Locator> {
    await this.page.getByRole('button', { name: /^Drain selected/ }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Drain nodes' });
    await dialog.getByRole('button', { name: 'Drain', exact: true }).click();
    return this.page.getByRole('dialog', { name: 'Drain progress' });
  }

  async changeCap(name: string, cap: number): Promise<void> {
    await this.openActions(name);
    await this.page.getByRole('menuitem', { name: 'Change task cap…' }).click();
    const dialog = this.page.getByRole('dialog', { name: `Task cap of ${name}` });
    const input = dialog.getByRole('spinbutton');
    await input.fill(String(cap));
    await input.press('Tab');
    await dialog.getByRole('button', { name: 'Change cap' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  /** Opens the node's log drawer; returns the log it shows. */
  async showLog(name: string): Promise<Locator> {
    await this.openActions(name);
    await this.page.getByRole('menuitem', { name: 'Show log' }).click();
    return this.page.getByTestId('node-log');
  }

  /** In the open log drawer: the least level shown. */
  async filterLog(level: 'All levels' | 'Warnings and errors' | 'Errors'): Promise<void> {
    await this.page.getByRole('combobox', { name: 'Level' }).click();
    await this.page.getByRole('option', { name: level, exact: true }).click();
  }
}
