import type { Locator, Page } from '@playwright/test';

export type ViewName =
  'Overview' | 'Nodes' | 'Tasks' | 'Load balancer' | 'Diagnostics' | 'Hosts' | 'Clusters';

/** The frame around every view: navigation, the cluster switcher, the connection badge, toasts. */
export class ShellPage {
  readonly connection: Locator;
  readonly clusterSwitcher: Locator;

  constructor(readonly page: Page) {
    this.connection = page.getByTestId('connection-state');
    this.clusterSwitcher = page.getByRole('combobox', { name: 'Cluster' });
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
  }

  async go(view: ViewName): Promise<void> {
    await this.page.getByRole('tab', { name: view }).click();
  }

  toast(text: string | RegExp): Locator {
    return this.page.getByText(text).first();
  }
}
