import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Spinner,
} from '@fluentui/react-components';
import { useState } from 'react';
import { errorText } from '../../components/format';
import { useNotify } from '../../components/use-notify';
import { useAddCluster, useClusters, useTestConnection, useUpdateCluster } from '../../hooks/use-clusters';
import { useClusterFormStore } from './cluster-form-store';

/** Add or edit a saved cluster. The connection is tested before anything is saved. */
export function ClusterFormDialog() {
  const { open, editingId, close } = useClusterFormStore();
  // A fresh form per opening: remounting resets every field.
  return open ? <ClusterForm key={editingId ?? 'new'} editingId={editingId} onDone={close} /> : null;
}

function ClusterForm({ editingId, onDone }: { editingId: string | null; onDone: () => void }) {
  const editing = useClusters().data?.clusters.find((cluster) => cluster.id === editingId) ?? null;
  const [name, setName] = useState(editing?.name ?? '');
  const [balancerUrl, setBalancerUrl] = useState(editing?.balancerUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const test = useTestConnection();
  const add = useAddCluster();
  const update = useUpdateCluster();
  const notify = useNotify();
  const saving = add.isPending || update.isPending;
  const saveError = add.error ?? update.error;
  const canTest = balancerUrl.trim() !== '' && (apiKey.trim() !== '' || editing !== null);

  const save = () => {
    const done = () => {
      notify.success(editing ? `Saved ${name}` : `Connected to ${name}`);
      onDone();
    };
    if (editing) {
      update.mutate(
        { id: editing.id, patch: { name, balancerUrl, apiKey: apiKey || undefined } },
        { onSuccess: done },
      );
    } else {
      add.mutate({ name, balancerUrl, apiKey }, { onSuccess: done });
    }
  };

  return (
    <Dialog open onOpenChange={(_event, data) => !data.open && !saving && onDone()}>
      <DialogSurface aria-label={editing ? 'Edit cluster' : 'Add a cluster'}>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <DialogBody>
            <DialogTitle>{editing ? `Edit ${editing.name}` : 'Add a cluster'}</DialogTitle>
            <DialogContent style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
              <Field label="Name" required hint="How this cluster appears in the console, e.g. Production.">
                <Input value={name} onChange={(_e, data) => setName(data.value)} name="name" />
              </Field>
              <Field
                label="Balancer URL"
                required
                hint="Where users reach the cluster, e.g. https://deploy.example.com."
              >
                <Input
                  value={balancerUrl}
                  onChange={(_e, data) => setBalancerUrl(data.value)}
                  name="balancerUrl"
                />
              </Field>
              <Field
                label="API key"
                required={!editing}
                hint={
                  editing
                    ? 'Leave empty to keep the saved key.'
                    : 'An administrator key; it is kept in the vault.'
                }
              >
                <Input
                  type="password"
                  value={apiKey}
                  onChange={(_e, data) => setApiKey(data.value)}
                  name="apiKey"
                />
              </Field>
              {test.isSuccess && (
                <MessageBar intent="success">
                  <MessageBarBody>
                    Connected: {test.data.nodes} node{test.data.nodes === 1 ? '' : 's'}
                    {test.data.version ? `, version ${test.data.version}` : ''}
                    {test.data.leader ? `, leader ${test.data.leader}` : ''}.
                  </MessageBarBody>
                </MessageBar>
              )}
              {(test.error ?? saveError) && (
                <MessageBar intent="error">
                  <MessageBarBody style={{ whiteSpace: 'pre-wrap' }}>
                    {errorText(saveError ?? test.error)}
                  </MessageBarBody>
                </MessageBar>
              )}
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={onDone} disabled={saving}>
                Cancel
              </Button>
              <Button
                disabled={!canTest || test.isPending || !apiKey}
                style={{ whiteSpace: 'nowrap' }}
                icon={test.isPending ? <Spinner size="tiny" /> : undefined}
                onClick={() => test.mutate({ balancerUrl, apiKey })}
              >
                Test connection
              </Button>
              <Button
                appearance="primary"
                type="submit"
                disabled={!canTest || !name.trim() || saving}
                icon={saving ? <Spinner size="tiny" /> : undefined}
              >
                {saving ? 'Testing and saving…' : 'Save'}
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
