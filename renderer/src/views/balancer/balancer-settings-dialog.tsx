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
import { useHosts } from '../../hooks/use-hosts';
import { HostPicker } from '../../components/host-picker';

type PathKey = keyof typeof HAPROXY_DEFAULT_PATHS;
type Choice = 'builtin' | 'local' | 'host';

const PATH_FIELDS: { key: PathKey; label: string }[] = [
  { key: 'runtimeSocket', label: 'Runtime API socket (stats socket … level admin)' },
  { key: 'masterSocket', label: 'Master CLI socket (-S)' },
  { key: 'configFile', label: 'Configuration file' },
  { key: 'stateFile', label: 'Server state file' },
];

/**
 * Which balancer the Load balancer view reads: the built-in one, or an HAProxy on this machine or on a
 * host of the Hosts view (reached over SSH, its sockets through socat there).
 */
export function BalancerSettingsDialog({
  settings,
  onClose,
}: {
  settings: BalancerSettingsDto;
  onClose: () => void;
}) {
  const [choice, setChoice] = useState<Choice>(settings.kind === 'builtin' ? 'builtin' : settings.where);
  const [hostId, setHostId] = useState(
    settings.kind === 'haproxy' && settings.where === 'host' ? settings.hostId : '',
  );
  const [paths, setPaths] = useState<Record<PathKey, string>>(() => {
    const from = settings.kind === 'haproxy' ? settings : HAPROXY_DEFAULT_PATHS;
    const { configFile, runtimeSocket, masterSocket, stateFile } = from;
    return { configFile, runtimeSocket, masterSocket, stateFile };
  });
  const hosts = useHosts().data ?? [];
  const save = useSetBalancerSettings();
  const notify = useNotify();
  const chosenHost = hosts.find((host) => host.id === hostId);
  const input: BalancerSettingsInputDto =
    choice === 'builtin'
      ? { kind: 'builtin' }
      : choice === 'local'
        ? { kind: 'haproxy', where: 'local', ...paths }
        : { kind: 'haproxy', where: 'host', hostId, ...paths };
  return (
    <ConfirmDialog
      open
      title="Balancer settings"
      confirmLabel="Check and save"
      busy={save.isPending}
      disabled={choice === 'host' && !chosenHost}
      error={save.error ? errorText(save.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        save.mutate(input, {
          onSuccess: () => {
            notify.success(
              choice === 'builtin'
                ? 'Using the built-in balancer'
                : `HAProxy connected${chosenHost && choice === 'host' ? ` on ${chosenHost.address}` : ''}`,
            );
            onClose();
          },
        })
      }
    >
      <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }} data-testid="balancer-settings">
        <RadioGroup value={choice} onChange={(_e, d) => setChoice(d.value as Choice)}>
          <Radio value="builtin" label="Built-in balancer (the cluster URL's /_balancer/stats)" />
          <Radio value="local" label="HAProxy on this machine (its Runtime API socket)" />
          <Radio value="host" label="HAProxy on a host (from the Hosts view, over SSH; socat there)" />
        </RadioGroup>
        {choice === 'host' && (
          <HostPicker label="Host HAProxy runs on" hosts={hosts} hostId={hostId} onChange={setHostId} />
        )}
        {choice !== 'builtin' && (
          <>
            <Body1>
              The console reads HAProxy&apos;s stats once with these paths and saves them only if that works.
              It needs permission to open the admin socket{choice === 'host' ? ' as the host’s SSH user' : ''}
              .
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
