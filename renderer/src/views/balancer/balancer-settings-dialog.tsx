import { Body1, Field, Input, Radio, RadioGroup } from '@fluentui/react-components';
import {
  HAPROXY_DEFAULT_PATHS,
  type BalancerSettingsDto,
  type BalancerSettingsInputDto,
} from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { errorText } from '../../components/format';
import { useNotify } from '../../components/use-notify';
import { useSetBalancerSettings } from '../../hooks/use-balancer-actions';

type PathKey = keyof typeof HAPROXY_DEFAULT_PATHS;

const PATH_FIELDS: { key: PathKey; label: string }[] = [
  { key: 'runtimeSocket', label: 'Runtime API socket (stats socket … level admin)' },
  { key: 'masterSocket', label: 'Master CLI socket (-S)' },
  { key: 'configFile', label: 'Configuration file' },
  { key: 'stateFile', label: 'Server state file' },
];

/** Which balancer the Load balancer view reads: the built-in one, or an HAProxy on this machine. */
export function BalancerSettingsDialog({
  settings,
  onClose,
}: {
  settings: BalancerSettingsDto;
  onClose: () => void;
}) {
  const [kind, setKind] = useState<BalancerSettingsDto['kind']>(settings.kind);
  const [paths, setPaths] = useState<Record<PathKey, string>>(() => {
    const from = settings.kind === 'haproxy' ? settings : HAPROXY_DEFAULT_PATHS;
    const { configFile, runtimeSocket, masterSocket, stateFile } = from;
    return { configFile, runtimeSocket, masterSocket, stateFile };
  });
  const save = useSetBalancerSettings();
  const notify = useNotify();
  const input: BalancerSettingsInputDto =
    kind === 'haproxy' ? { kind, where: 'local', ...paths } : { kind: 'builtin' };
  return (
    <ConfirmDialog
      open
      title="Balancer settings"
      confirmLabel="Check and save"
      busy={save.isPending}
      error={save.error ? errorText(save.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        save.mutate(input, {
          onSuccess: () => {
            notify.success(kind === 'haproxy' ? 'HAProxy connected' : 'Using the built-in balancer');
            onClose();
          },
        })
      }
    >
      <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }} data-testid="balancer-settings">
        <RadioGroup value={kind} onChange={(_e, d) => setKind(d.value as BalancerSettingsDto['kind'])}>
          <Radio value="builtin" label="Built-in balancer (the cluster URL's /_balancer/stats)" />
          <Radio value="haproxy" label="HAProxy on this machine (its Runtime API socket)" />
        </RadioGroup>
        {kind === 'haproxy' && (
          <>
            <Body1>
              The console reads HAProxy&apos;s stats once with these paths and saves them only if that works.
              It needs permission to open the admin socket.
            </Body1>
            {PATH_FIELDS.map(({ key, label }) => (
              <Field key={key} label={label}>
                <Input
                  value={paths[key]}
                  placeholder={HAPROXY_DEFAULT_PATHS[key]}
                  onChange={(_e, d) => setPaths((old) => ({ ...old, [key]: d.value }))}
                />
              </Field>
            ))}
          </>
        )}
      </div>
    </ConfirmDialog>
  );
}
