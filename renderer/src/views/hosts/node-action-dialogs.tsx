import {
  Body1,
  Checkbox,
  Dropdown,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Option,
  Switch,
} from '@fluentui/react-components';
import type { HostActionDto, HostDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { useStartHostAction, type HostActionRequest } from '../../hooks/use-hosts';
import { NodeFields, defaultNodeFields, toProvisionInput } from './node-fields';
import { SchemaPlanNotice } from './schema-plan';

export type NodeActionDialogState =
  | { kind: 'restart'; host: HostDto }
  | { kind: 'removeNode'; host: HostDto }
  | { kind: 'replace'; host: HostDto }
  | { kind: 'rolling' };

interface Props {
  state: NodeActionDialogState | null;
  hosts: HostDto[];
  suggestedName: string;
  onClose: () => void;
  onStarted: (action: HostActionDto) => void;
}

/** The dialogs that start a node action; each closes once the action runs and the panel shows it. */
export function NodeActionDialogs(props: Props) {
  const { state } = props;
  if (!state) return null;
  switch (state.kind) {
    case 'restart':
      return <RestartDialog host={state.host} {...props} />;
    case 'removeNode':
      return <RemoveNodeDialog host={state.host} {...props} />;
    case 'replace':
      return <ReplaceDialog host={state.host} {...props} />;
    case 'rolling':
      return <RollingDialog {...props} />;
  }
}

function useStart(props: Props) {
  const start = useStartHostAction();
  const run = (request: HostActionRequest) =>
    start.mutate(request, {
      onSuccess: (action) => {
        props.onStarted(action);
        props.onClose();
      },
    });
  return { start, run };
}

function RestartDialog({ host, ...props }: Props & { host: HostDto }) {
  const { start, run } = useStart(props);
  const name = host.node?.name ?? '';
  return (
    <ConfirmDialog
      open
      title={`Restart ${name}?`}
      confirmLabel="Restart gracefully"
      busy={start.isPending}
      error={start.error}
      onCancel={props.onClose}
      onConfirm={() => run({ kind: 'restart', hostId: host.id })}
    >
      {name} is drained, finishes its running tasks, leaves the balancer&apos;s rotation, restarts, and comes
      back into rotation once it answers and heartbeats. No task or user request fails.
    </ConfirmDialog>
  );
}

function RemoveNodeDialog({ host, ...props }: Props & { host: HostDto }) {
  const { start, run } = useStart(props);
  const [purge, setPurge] = useState(false);
  const name = host.node?.name ?? '';
  return (
    <ConfirmDialog
      open
      title={`Remove ${name} from ${host.address}?`}
      confirmLabel="Remove node"
      danger
      busy={start.isPending}
      error={start.error}
      onCancel={props.onClose}
      onConfirm={() => run({ kind: 'removeNode', input: { hostId: host.id, purge } })}
    >
      <Body1 block>
        {name} is drained, waits for its tasks, leaves the balancer, stops, and is deleted from the cluster;
        its software is uninstalled. The host stays in the inventory.
      </Body1>
      <Checkbox
        checked={purge}
        onChange={(_e, data) => setPurge(data.checked === true)}
        label="Purge files: delete its logs too (the whole install root)"
      />
    </ConfirmDialog>
  );
}

function ReplaceDialog({ host, ...props }: Props & { host: HostDto }) {
  const { start, run } = useStart(props);
  const targets = props.hosts.filter((other) => other.id !== host.id && other.node?.state !== 'provisioned');
  const [targetId, setTargetId] = useState(targets[0]?.id ?? '');
  const target = targets.find((other) => other.id === targetId) ?? null;
  const [value, setValue] = useState(() => (target ? defaultNodeFields(target, props.suggestedName) : null));
  const [purge, setPurge] = useState(false);
  return (
    <ConfirmDialog
      open
      label="Replace a node"
      title={`Replace ${host.node?.name ?? ''} onto another host`}
      confirmLabel="Replace"
      busy={start.isPending}
      error={start.error}
      disabled={!target || !value}
      onCancel={props.onClose}
      onConfirm={() =>
        target &&
        value &&
        run({
          kind: 'replace',
          input: { fromHostId: host.id, node: toProvisionInput(target.id, value), purge },
        })
      }
    >
      <Body1 block>
        The new node is provisioned and serving before {host.node?.name} is drained and removed: the cluster
        never runs short.
      </Body1>
      {targets.length === 0 ? (
        <MessageBar intent="warning">
          <MessageBarBody>Add a host without a node first: there is nowhere to move it.</MessageBarBody>
        </MessageBar>
      ) : (
        <>
          <Field label="Onto host" required>
            <Dropdown
              value={target ? `${target.username}@${target.address}:${target.sshPort}` : ''}
              selectedOptions={[targetId]}
              onOptionSelect={(_e, data) => {
                const next = targets.find((other) => other.id === data.optionValue);
                setTargetId(data.optionValue ?? '');
                if (next) setValue(defaultNodeFields(next, props.suggestedName));
              }}
            >
              {targets.map((other) => (
                <Option key={other.id} value={other.id}>
                  {`${other.username}@${other.address}:${other.sshPort}`}
                </Option>
              ))}
            </Dropdown>
          </Field>
          {value && <NodeFields value={value} onChange={setValue} />}
          <Checkbox
            checked={purge}
            onChange={(_e, data) => setPurge(data.checked === true)}
            label={`Purge the old node's files, logs included`}
          />
        </>
      )}
    </ConfirmDialog>
  );
}

function RollingDialog(props: Props) {
  const { start, run } = useStart(props);
  const provisioned = props.hosts.filter((host) => host.node?.state === 'provisioned');
  const [upgrade, setUpgrade] = useState(false);
  const [minHealthy, setMinHealthy] = useState(String(Math.max(1, provisioned.length - 1)));
  return (
    <ConfirmDialog
      open
      label="Rolling restart"
      title={upgrade ? 'Rolling upgrade' : 'Rolling restart'}
      confirmLabel={upgrade ? 'Upgrade one by one' : 'Restart one by one'}
      busy={start.isPending}
      error={start.error}
      disabled={provisioned.length === 0}
      onCancel={props.onClose}
      onConfirm={() => run({ kind: 'rollingRestart', input: { upgrade, minHealthy: Number(minHealthy) } })}
    >
      <Body1 block>
        {provisioned.length
          ? `One node at a time, gracefully: ${provisioned.map((host) => host.node?.name).join(', ')}. The roll stops at the first node that does not come back.`
          : 'No node of this cluster was provisioned by the console.'}
      </Body1>
      <Switch
        checked={upgrade}
        onChange={(_e, data) => setUpgrade(data.checked)}
        label="Upgrade to the console's server bundle (staged on every node first)"
      />
      {upgrade && (
        <SchemaPlanNotice rolled={provisioned.flatMap((host) => (host.node ? [host.node.name] : []))} />
      )}
      <Field
        label="Keep at least N healthy"
        hint="A node waits for its turn until this many other nodes serve"
        required
      >
        <Input type="number" min={0} value={minHealthy} onChange={(_e, data) => setMinHealthy(data.value)} />
      </Field>
    </ConfirmDialog>
  );
}
