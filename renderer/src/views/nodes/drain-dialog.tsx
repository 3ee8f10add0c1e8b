import {
  Body1,
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  MessageBar,
  MessageBarBody,
  ProgressBar,
  Spinner,
} from '@fluentui/react-components';
import { useState } from 'react';
import { errorText } from '../../components/format';
import { useNotify } from '../../components/use-notify';
import { useSetDrain } from '../../hooks/use-node-actions';
import { useNodes } from '../../hooks/use-snapshot';
import { useDrainStore } from '../../stores/drain-store';

export interface DrainRequest {
  names: string[];
  drain: boolean;
}

/**
 * Drain or undrain nodes. Draining asks first (the node stops taking work and users), then can stay
 * open until the nodes have finished their running tasks, showing how many are left.
 */
export function DrainDialog({ request, onClose }: { request: DrainRequest | null; onClose: () => void }) {
  if (!request) return null;
  return (
    <Dialog open onOpenChange={(_event, data) => !data.open && onClose()}>
      <DrainFlow key={request.names.join(',') + String(request.drain)} request={request} onClose={onClose} />
    </Dialog>
  );
}

function DrainFlow({ request, onClose }: { request: DrainRequest; onClose: () => void }) {
  const [wait, setWait] = useState(true);
  const [waiting, setWaiting] = useState(false);
  const setDrain = useSetDrain();
  const nodes = useNodes();
  const { startedWith, record } = useDrainStore();
  const notify = useNotify();
  const { names, drain } = request;
  const list = names.join(', ');
  const targets = nodes.filter((node) => names.includes(node.name));
  const left = targets.reduce((sum, node) => sum + node.runningTasks, 0);
  const total = Math.max(
    names.reduce((sum, name) => sum + (startedWith[name] ?? 0), 0),
    left,
  );

  const confirm = () => {
    if (drain) for (const node of targets) record(node.name, node.runningTasks);
    setDrain.mutate(
      { names, drain },
      {
        onSuccess: () => {
          notify.success(drain ? `Draining ${list}` : `${list} taking work again`);
          if (drain && wait) setWaiting(true);
          else onClose();
        },
      },
    );
  };

  if (waiting) {
    const empty = left === 0;
    return (
      <DialogSurface aria-label="Drain progress">
        <DialogBody>
          <DialogTitle>{empty ? `${list} drained` : `Draining ${list}…`}</DialogTitle>
          <DialogContent style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
            <Field
              validationState={empty ? 'success' : 'none'}
              validationMessage={
                empty
                  ? 'No tasks left: the nodes can be stopped, restarted or upgraded safely.'
                  : `Waiting for ${left} running task${left === 1 ? '' : 's'} to finish. No new work is given to these nodes.`
              }
            >
              <ProgressBar
                value={total === 0 ? 1 : (total - left) / total}
                thickness="large"
                aria-label="Drain progress"
                data-testid="drain-progress"
              />
            </Field>
            {targets.map((node) => (
              <Body1
                key={node.name}
                data-testid="drain-node-left"
                data-name={node.name}
                data-left={node.runningTasks}
              >
                {node.name}: {node.runningTasks} running, state {node.state}
              </Body1>
            ))}
          </DialogContent>
          <DialogActions>
            <Button appearance={empty ? 'primary' : 'secondary'} onClick={onClose}>
              {empty ? 'Done' : 'Close (draining goes on)'}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    );
  }

  return (
    <DialogSurface aria-label={drain ? 'Drain nodes' : 'Undrain nodes'}>
      <DialogBody>
        <DialogTitle>{drain ? `Drain ${list}?` : `Undrain ${list}?`}</DialogTitle>
        <DialogContent style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          {drain ? (
            <>
              <Body1>
                {names.length === 1 ? 'The node' : 'These nodes'} will finish the tasks they are running but
                take no new ones, and the balancer stops sending users to {names.length === 1 ? 'it' : 'them'}
                . Use this before maintenance.
              </Body1>
              <Checkbox
                checked={wait}
                onChange={(_e, data) => setWait(data.checked === true)}
                label="Wait here until the running tasks are done"
              />
            </>
          ) : (
            <Body1>{names.length === 1 ? 'The node' : 'These nodes'} will take tasks and users again.</Body1>
          )}
          {setDrain.error && (
            <MessageBar intent="error">
              <MessageBarBody>{errorText(setDrain.error)}</MessageBarBody>
            </MessageBar>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={setDrain.isPending}>
            Cancel
          </Button>
          <Button
            appearance="primary"
            onClick={confirm}
            disabled={setDrain.isPending}
            icon={setDrain.isPending ? <Spinner size="tiny" /> : undefined}
          >
            {drain ? 'Drain' : 'Undrain'}
          </Button>
        </DialogActions>
      </DialogBody>
    </DialogSurface>
  );
}
