import type { Locator, Page } from '@playwright/test';

export class BalancerPage {
  readonly rows: Locator;
  readonly noStats: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId('balancer-row');
    this.noStats = page.getByTestId('no-balancer-stats');
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="balancer-row"][data-name="${name}"]`);
  }
}
