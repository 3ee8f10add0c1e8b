import type { Locator, Page } from '@playwright/test';

export class DiagnosticsPage {
  readonly checkAgain: Locator;
  readonly downloadBundle: Locator;
  readonly findings: Locator;
  /** The Overview's count of findings. */
  readonly overviewCount: Locator;

  constructor(readonly page: Page) {
    this.checkAgain = page.getByRole('button', { name: 'Check again' });
    this.downloadBundle = page.getByRole('button', { name: 'Download support bundle' });
    this.findings = page.getByTestId('findings');
    this.overviewCount = page.getByTestId('findings-count');
  }

  /** The rows one check found (data-testid `finding-<check>`). */
  finding(check: string): Locator {
    return this.page.getByTestId(`finding-${check}`);
  }
}
