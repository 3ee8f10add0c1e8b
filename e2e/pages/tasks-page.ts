import type { Locator, Page } from '@playwright/test';

export class TasksPage {
  readonly rows: Locator;
  readonly log: Locator;
  /** Shown while the detail panel streams a running task's log. */
  readonly following: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId('task-row');
    this.log = page.getByTestId('task-log');
    this.following = page.getByText('(following live)');
  }

  async openFirstTask(): Promise<void> {
    await this.rows.first().click();
  }

  async closeDetail(): Promise<void> {
    await this.page.getByRole('button', { name: 'Close' }).click();
  }
}
