import type { Locator, Page } from '@playwright/test';

export class OverviewPage {
  readonly nodesUp: Locator;
  readonly queueDepth: Locator;
  readonly runningTasks: Locator;
  readonly events: Locator;

  constructor(readonly page: Page) {
    this.nodesUp = page.getByTestId('stat-nodes-value');
    this.queueDepth = page.getByTestId('stat-queue-value');
    this.runningTasks = page.getByTestId('stat-running-value');
    this.events = page.getByTestId('events-feed');
  }
}
