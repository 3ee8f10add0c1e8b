import type { DirectorySettingsInput } from '@flotilla/server-node/api';
import { DIRECTORY_SETTINGS_PATH, DIRECTORY_USER_FILTERS } from '@flotilla/server-node/api';
import { expect, test } from '../fixtures.js';
import {
  SLAPD_SERVICE,
  SLAPD_SUFFIX,
  SlapdHost,
  slapdGroupDn,
  slapdPassword,
} from '../support/slapd-host.js';

// Issue 14: a person signs in to the portal with their directory account (a real slapd), through the
// balancer, and gets the role their (nested) directory groups map to.
test('an administrator tests the directory settings in the console; a directory user signs in to the portal', async ({
  page,
  sandbox,
  consoleUrl,
  shell,
  clusters,
}) => {
  const slapd = await SlapdHost.start({
    people: ['dana'],
    groups: [
      { cn: 'release-team', members: ['dana'] },
      { cn: 'flotilla-deployers', members: ['group:release-team'] },
    ],
  });
  try {
    const settings: DirectorySettingsInput = {
      enabled: true,
      urls: [slapd.tlsUrl],
      startTls: false,
      bindDn: SLAPD_SERVICE.dn,
      bindPassword: SLAPD_SERVICE.password,
      userBase: `ou=people,${SLAPD_SUFFIX}`,
      userFilter: DIRECTORY_USER_FILTERS.openLdap,
      groupBase: '',
      groupLookup: 'member-of',
      groupRoles: [{ group: slapdGroupDn('flotilla-deployers'), role: 'deployer' }],
      caCertificate: slapd.caCertificate,
      recheckMinutes: 5,
    };
    const saved = await fetch(`${sandbox.balancerUrl}${DIRECTORY_SETTINGS_PATH}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    expect(saved.status).toBe(200);

    await test.step('the console shows the settings and tests them: the groups found and the role', async () => {
      await shell.open(consoleUrl);
      await shell.go('Clusters');
      await clusters.fill('Directory', sandbox.balancerUrl, sandbox.apiKey);
      await clusters.save();
      await expect(clusters.row('Directory')).toContainText('active');
      await page.getByRole('button', { name: 'Directory sign-in' }).click();
      const dialog = page.getByTestId('directory-settings');
      await expect(dialog.getByLabel('User filter ({username} is the name typed at sign-in)')).toHaveValue(
        '(uid={username})',
      );
      await dialog.getByLabel('User name').fill('dana');
      await dialog.getByLabel('Their password (optional)').fill(slapdPassword('dana'));
      await dialog.getByRole('button', { name: 'Test settings' }).click();
      const result = page.getByTestId('directory-test-result');
      await expect(result).toContainText('role deployer; password accepted');
      await expect(result.getByRole('listitem')).toHaveText([
        slapdGroupDn('release-team'),
        slapdGroupDn('flotilla-deployers'),
      ]);
      await dialog.getByLabel('User name').fill('nobody');
      await dialog.getByRole('button', { name: 'Test settings' }).click();
      await expect(page.getByRole('alert').filter({ hasText: 'No single entry matches' })).toBeVisible();
      await page.getByRole('button', { name: 'Cancel' }).click();
    });

    await page.goto(`${sandbox.balancerUrl}/login`);
    await page.getByLabel('User name').fill('dana');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('Wrong user name or password.')).toBeVisible();

    await page.getByLabel('User name').fill('dana');
    await page.getByLabel('Password').fill(slapdPassword('dana'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('dana (deployer)')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  } finally {
    await slapd.stop();
  }
});
