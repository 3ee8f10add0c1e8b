import { Body1, Field, SpinButton } from '@fluentui/react-components';
import type { NodeDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { errorText } from '../../components/format';
import { useNotify } from '../../components/use-notify';
import { useSetTaskCap } from '../../hooks/use-node-actions';

/** Change how many tasks a node runs at once (0: a node that serves the UI and API only). */
export function TaskCapDialog({ node, onClose }: { node: NodeDto | null; onClose: () => void }) {
  return node ? <TaskCapForm key={node.name} node={node} onClose={onClose} /> : null;
}

function TaskCapForm({ node, onClose }: { node: NodeDto; onClose: () => void }) {
  const [cap, setCap] = useState(node.taskCap);
  const setTaskCap = useSetTaskCap();
  const notify = useNotify();
  const valid = Number.isInteger(cap) && cap >= 0 && cap <= 1000;
  return (
    <ConfirmDialog
      open
      title={`Task cap of ${node.name}`}
      confirmLabel="Change cap"
      busy={setTaskCap.isPending}
      error={setTaskCap.error ? errorText(setTaskCap.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        valid &&
        setTaskCap.mutate(
          { name: node.name, taskCap: cap },
          {
            onSuccess: () => {
              notify.success(`${node.name} now runs up to ${cap} task${cap === 1 ? '' : 's'}`);
              onClose();
            },
          },
        )
      }
    >
      <Field
        label="Tasks at once"
        validationState={valid ? 'none' : 'error'}
        validationMessage={valid ? undefined : 'A whole number from 0 to 1000.'}
        hint="0 makes it a UI-only node. Lowering the cap lets running tasks finish; it only limits new ones."
      >
        <SpinButton
          value={cap}
          min={0}
          max={1000}
          name="taskCap"
          onChange={(_e, data) => setCap(data.value ?? Number(data.displayValue))}
        />
      </Field>
      <Body1 style={{ marginTop: 8, display: 'block' }}>
        Now: {node.taskCap}, running {node.runningTasks}.
      </Body1>
    </ConfirmDialog>
  );
}
