import { expect, screenshotPath, test } from '../fixtures.js';

test('one click starts a local sandbox cluster, selects it, and stops it again', async ({
  page,
  consoleUrl,
  shell,
  overview,
}) => {
  await shell.open(consoleUrl);
  await shell.go('Clusters');
  await page.getByRole('button', { name: 'Start a local sandbox cluster' }).click();
  await expect(page.getByRole('button', { name: /Starting the sandbox/ })).toBeVisible();
  await expect(overview.nodesUp).toHaveText('3 / 3', { timeout: 90_000 });
  await expect(shell.connection).toHaveAttribute('data-state', 'connected');
  await page.screenshot({ path: screenshotPath('20-sandbox-overview'), animations: 'disabled' });

  await shell.go('Clusters');
  await expect(page.locator('[data-testid="cluster-row"][data-name="Local sandbox"]')).toContainText(
    'active',
  );
  await page.getByRole('button', { name: 'Stop the sandbox' }).click();
  await expect(page.getByRole('button', { name: 'Start a local sandbox cluster' })).toBeVisible({
    timeout: 60_000,
  });
});
