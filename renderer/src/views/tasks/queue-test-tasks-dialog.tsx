import { Field, SpinButton } from '@fluentui/react-components';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { errorText } from '../../components/format';
import { useNotify } from '../../components/use-notify';
import { useCreateTasks } from '../../hooks/use-tasks';

/** Queues `noop` tasks that only sleep: a safe way to watch the cluster spread work and drain nodes. */
export function QueueTestTasksDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [count, setCount] = useState(12);
  const [seconds, setSeconds] = useState(20);
  const create = useCreateTasks();
  const notify = useNotify();
  return (
    <ConfirmDialog
      open={open}
      title="Queue test tasks"
      confirmLabel={`Queue ${count} tasks`}
      busy={create.isPending}
      error={create.error ? errorText(create.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        create.mutate(
          {
            task: { kind: 'noop', args: { sleepMs: seconds * 1000 }, description: 'console test task' },
            count,
          },
          {
            onSuccess: () => {
              notify.success(`Queued ${count} test tasks`);
              onClose();
            },
          },
        )
      }
    >
      <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        <Field label="How many" hint="Each one only waits; nothing is deployed.">
          <SpinButton
            value={count}
            min={1}
            max={200}
            onChange={(_e, data) => setCount(data.value ?? Number(data.displayValue))}
          />
        </Field>
        <Field label="Seconds each">
          <SpinButton
            value={seconds}
            min={1}
            max={600}
            onChange={(_e, data) => setSeconds(data.value ?? Number(data.displayValue))}
          />
        </Field>
      </div>
    </ConfirmDialog>
  );
}
