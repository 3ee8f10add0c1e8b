import { Body1, Field, Input } from '@fluentui/react-components';
import type { ProvisioningSettingsDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { errorText } from '../../components/format';
import { useNotify } from '../../components/use-notify';
import { useSaveProvisioningSettings } from '../../hooks/use-hosts';

/** The database URL as the hosts reach it and the master key, entered once per remote cluster into the vault. */
export function ProvisioningSettingsDialog({
  settings,
  onClose,
}: {
  settings: ProvisioningSettingsDto | null;
  onClose: () => void;
}) {
  const [dbUrl, setDbUrl] = useState('');
  const [masterKey, setMasterKey] = useState('');
  const save = useSaveProvisioningSettings();
  const notify = useNotify();
  if (!settings) return null;
  return (
    <ConfirmDialog
      open
      title="Provisioning settings"
      confirmLabel="Save"
      busy={save.isPending}
      error={save.error ? errorText(save.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        save.mutate(
          { dbUrl, masterKey },
          {
            onSuccess: () => {
              notify.success('Provisioning settings saved', 'Kept in the vault.');
              onClose();
            },
          },
        )
      }
    >
      <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        <Body1>
          A new node needs the cluster&apos;s database and master key. Both go to the console&apos;s vault and
          are sent to a host only on its config file&apos;s stdin.
          {settings.dbUrl ? ` Now: ${settings.dbUrl}.` : ''}
        </Body1>
        <Field label="Database URL, as the hosts reach it" required>
          <Input
            value={dbUrl}
            onChange={(_e, data) => setDbUrl(data.value)}
            placeholder="postgres://flotilla:password@db-host:5432/flotilla"
          />
        </Field>
        <Field
          label="Master key"
          hint={
            settings.masterKeySet
              ? 'Set; leave empty to keep it'
              : "`masterKey` in flotilla.json in any node's home folder"
          }
          required={!settings.masterKeySet}
        >
          <Input type="password" value={masterKey} onChange={(_e, data) => setMasterKey(data.value)} />
        </Field>
      </div>
    </ConfirmDialog>
  );
}
