import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  MessageBarBody,
  Spinner,
} from '@fluentui/react-components';
import type { HostDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { errorText } from '../../components/format';
import { useStartHostAction } from '../../hooks/use-hosts';
import { NodeFields, defaultNodeFields, toProvisionInput } from './node-fields';

/** Asks for the node's settings and starts provisioning; the steps then stream into the action panel. */
export function ProvisionDialog({
  host,
  suggestedName,
  onClose,
  onStarted,
}: {
  host: HostDto | null;
  suggestedName: string;
  onClose: () => void;
  onStarted: (actionId: string) => void;
}) {
  if (!host) return null;
  return (
    <Dialog open onOpenChange={(_event, data) => !data.open && onClose()}>
      <ProvisionForm host={host} suggestedName={suggestedName} onClose={onClose} onStarted={onStarted} />
    </Dialog>
  );
}

function ProvisionForm({
  host,
  suggestedName,
  onClose,
  onStarted,
}: {
  host: HostDto;
  suggestedName: string;
  onClose: () => void;
  onStarted: (actionId: string) => void;
}) {
  const [value, setValue] = useState(() => defaultNodeFields(host, suggestedName));
  const start = useStartHostAction();
  const submit = () =>
    start.mutate(
      { kind: 'provision', input: toProvisionInput(host.id, value) },
      {
        onSuccess: (action) => {
          onStarted(action.id);
          onClose();
        },
      },
    );
  return (
    <DialogSurface aria-label="Provision a node">
      <DialogBody>
        <DialogTitle>Provision a node on {host.address}</DialogTitle>
        <DialogContent style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          <NodeFields value={value} onChange={setValue} />
          {start.error && (
            <MessageBar intent="error">
              <MessageBarBody>{errorText(start.error)}</MessageBarBody>
            </MessageBar>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={start.isPending}>
            Cancel
          </Button>
          <Button
            appearance="primary"
            onClick={submit}
            disabled={start.isPending}
            icon={start.isPending ? <Spinner size="tiny" /> : undefined}
          >
            Provision
          </Button>
        </DialogActions>
      </DialogBody>
    </DialogSurface>
  );
}
