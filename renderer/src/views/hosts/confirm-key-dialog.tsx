import { Body1, Caption1, MessageBar, MessageBarBody } from '@fluentui/react-components';
import type { HostDto, HostProbeDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { errorText } from '../../components/format';
import { useNotify } from '../../components/use-notify';
import { useConfirmHostKey, useProbeHost } from '../../hooks/use-hosts';

/** After a host was reinstalled: read the key it presents now, and pin it only once the admin compared it. */
export function ConfirmKeyDialog({ host, onClose }: { host: HostDto | null; onClose: () => void }) {
  const [probed, setProbed] = useState<HostProbeDto | null>(null);
  const probe = useProbeHost();
  const confirm = useConfirmHostKey();
  const notify = useNotify();
  if (!host) return null;
  const close = () => {
    setProbed(null);
    probe.reset();
    confirm.reset();
    onClose();
  };
  const error = probe.error ?? confirm.error;
  return (
    <ConfirmDialog
      open
      title={`Host key of ${host.address}`}
      confirmLabel={probed ? 'Trust this key' : 'Check host key'}
      danger={probed !== null && probed.fingerprint !== host.hostKey}
      busy={probe.isPending || confirm.isPending}
      error={error ? errorText(error) : null}
      onCancel={close}
      onConfirm={() =>
        probed
          ? confirm.mutate(
              { hostId: host.id, fingerprint: probed.fingerprint },
              {
                onSuccess: () => {
                  notify.success(`New host key of ${host.address} pinned`);
                  close();
                },
              },
            )
          : probe.mutate({ address: host.address, sshPort: host.sshPort }, { onSuccess: setProbed })
      }
    >
      <Body1 block>
        Pinned: <code>{host.hostKey}</code>
      </Body1>
      {probed &&
        (probed.fingerprint === host.hostKey ? (
          <MessageBar intent="success">
            <MessageBarBody>The host still presents the pinned key: nothing to change.</MessageBarBody>
          </MessageBar>
        ) : (
          <MessageBar intent="warning">
            <MessageBarBody>
              The host now presents a different {probed.keyType} key: <code>{probed.fingerprint}</code>. Trust
              it only if the host was reinstalled and <code>ssh-keygen -lf</code> on the host prints the same;
              otherwise someone may be intercepting the connection.
            </MessageBarBody>
          </MessageBar>
        ))}
      {!probed && (
        <Caption1 block>
          The console reads the key the host presents; nothing is sent or changed yet.
        </Caption1>
      )}
    </ConfirmDialog>
  );
}
