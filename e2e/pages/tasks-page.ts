import type { Locator, Page } from '@playwright/test';

export class TasksPage {
  readonly rows: Locator;
  readonly log: Locator;
  /** Shown while the detail panel streams a running task's log. */
  readonly following: Locator;
  /** The "Running tasks per node" chart, and the box the task list scrolls in. */
  readonly chart: Locator;
  readonly listScroll: Locator;
  /** The list renders only the rows in sight; its aria-rowcount counts them all (header included). */
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.chart = page.locator('.recharts-responsive-container').first();
    this.listScroll = page.getByTestId('task-list-scroll');
    this.rows = page.getByTestId('task-row');
    this.table = page.getByTestId('task-table');
    this.log = page.getByTestId('task-log');
    this.following = page.getByText('(following live)');
  }

  async openFirstTask(): Promise<void> {
    await this.rows.first().click();
  }

  async listedCount(): Promise<number> {
    return Number(await this.table.getAttribute('aria-rowcount')) - 1;
  }

  async closeDetail(): Promise<void> {
    await this.page.getByRole('button', { name: 'Close' }).click();
  }
}
