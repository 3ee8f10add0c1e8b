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
test('a directory user signs in to the portal with their directory password', async ({ page, sandbox }) => {
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
