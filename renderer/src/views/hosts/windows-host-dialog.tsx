import {
  Body1,
  Caption1,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Spinner,
} from '@fluentui/react-components';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { useWindowsInstall } from '../../hooks/use-hosts';
import { useNodes } from '../../hooks/use-snapshot';

/**
 * "Add a Windows host": the silent msiexec line for this cluster (the admin runs it there, by hand or with a
 * fleet tool), then waits for the node to join by itself and appear in the Nodes view.
 */
export function WindowsHostDialog({
  open,
  suggestedName,
  onClose,
}: {
  open: boolean;
  suggestedName: string;
  onClose: () => void;
}) {
  const [nodeName, setNodeName] = useState('');
  const [serviceAccount, setServiceAccount] = useState('');
  const install = useWindowsInstall();
  const nodes = useNodes();
  const shown = install.data;
  const joined = shown ? nodes.find((node) => node.name === shown.nodeName) : undefined;
  const close = () => {
    install.reset();
    setNodeName('');
    setServiceAccount('');
    onClose();
  };
  return (
    <ConfirmDialog
      open={open}
      title="Add a Windows host"
      confirmLabel={shown ? 'Close' : 'Show the command'}
      busy={install.isPending}
      error={install.error}
      onCancel={close}
      onConfirm={() =>
        shown ? close() : install.mutate({ nodeName: nodeName.trim() || suggestedName, serviceAccount })
      }
    >
      {shown ? (
        <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          {shown.msiError ? (
            <MessageBar intent="warning">
              <MessageBarBody>{shown.msiError}</MessageBarBody>
            </MessageBar>
          ) : (
            <Body1>
              Copy {shown.msi?.file} to the Windows host and, in an elevated prompt there, run (with the
              database password in place of <code>*****</code>):
            </Body1>
          )}
          <pre data-testid="windows-install-command" style={{ whiteSpace: 'pre-wrap', userSelect: 'all' }}>
            {shown.command}
          </pre>
          <Caption1>
            First copy the master key into <code>{shown.masterKeyFile}</code> on the host (it is{' '}
            <code>masterKey</code> in flotilla.json on any node; readable by Administrators only): the MSI
            never takes the key on its command line. An SMB shared folder needs a gMSA or domain account as
            the service account; LocalSystem cannot reach it.
          </Caption1>
          <MessageBar intent={joined ? 'success' : 'info'} data-testid="windows-host-status">
            <MessageBarBody>
              {joined ? (
                `${shown.nodeName} joined the cluster: drain, cap or remove it in the Nodes view like any node.`
              ) : (
                <>
                  <Spinner size="tiny" style={{ display: 'inline-flex', marginRight: 8 }} />
                  Waiting for {shown.nodeName} to appear in the Nodes view…
                </>
              )}
            </MessageBarBody>
          </MessageBar>
          <Caption1>
            Restarting and upgrading a Windows node are the admin&apos;s: through its service (
            <code>Restart-Service flotilla-node</code>) or a newer MSI, not from the console.
          </Caption1>
        </div>
      ) : (
        <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          <Body1>
            The console shows the <code>msiexec</code> line that installs the node on a Windows machine and
            joins it to this cluster; it then waits for the node to appear.
          </Body1>
          <Field label="Node name">
            <Input
              value={nodeName}
              placeholder={suggestedName}
              onChange={(_event, data) => setNodeName(data.value)}
            />
          </Field>
          <Field
            label="Service account"
            hint="A gMSA (CORP\flotilla$) or a domain account reaches an SMB shared folder; empty: NT SERVICE\flotilla-node"
          >
            <Input value={serviceAccount} onChange={(_event, data) => setServiceAccount(data.value)} />
          </Field>
        </div>
      )}
    </ConfirmDialog>
  );
}
