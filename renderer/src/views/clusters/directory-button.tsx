import { Button, Tooltip } from '@fluentui/react-components';
import { PeopleTeamRegular } from '@fluentui/react-icons';
import { deniedReason } from '@flotilla/electron/common/permissions';
import { useState } from 'react';
import { useDirectorySettings } from '../../hooks/use-directory';
import { useSnapshot } from '../../hooks/use-snapshot';
import { DirectorySettingsDialog } from './directory-settings-dialog';

/** Opens the active cluster's directory sign-in settings; disabled, with the reason, for other roles. */
export function DirectoryButton() {
  const role = useSnapshot().data?.connection.role ?? null;
  const denied = deniedReason(role, 'directory.update');
  const settings = useDirectorySettings(denied === null);
  const [open, setOpen] = useState(false);
  return (
    <>
      <Tooltip
        content={denied ?? 'Sign in with Active Directory / LDAP, with groups mapped to roles'}
        relationship="description"
      >
        <Button
          icon={<PeopleTeamRegular />}
          disabled={denied !== null || !settings.data}
          onClick={() => setOpen(true)}
        >
          Directory sign-in
        </Button>
      </Tooltip>
      {open && settings.data && (
        <DirectorySettingsDialog settings={settings.data} onClose={() => setOpen(false)} />
      )}
    </>
  );
}
