import { Badge, Body1, Toolbar, ToolbarButton, ToolbarDivider, Tooltip } from '@fluentui/react-components';
import { ArrowEnterRegular, ArrowExitRegular, PauseRegular, PlayRegular } from '@fluentui/react-icons';
import type { NodeDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { errorText } from '../../components/format';
import { deniedReason } from '@flotilla/electron/common/permissions';
import { SectionCard } from '../../components/section-card';
import { useNotify } from '../../components/use-notify';
import { useMetricsHistory } from '../../hooks/use-metrics-history';
import { useHosts } from '../../hooks/use-hosts';
import { useRemoveNode, useSetPaused } from '../../hooks/use-node-actions';
import { useSnapshot } from '../../hooks/use-snapshot';
import { useNodeSelectionStore } from '../../stores/node-selection-store';
import { NodeActionDialogs, type NodeActionDialogState } from '../hosts/node-action-dialogs';
import { DrainDialog, type DrainRequest } from './drain-dialog';
import { NodeLogDrawer } from './node-log-drawer';
import { NodesTable } from './nodes-table';
import { TaskCapDialog } from './task-cap-dialog';
import { ViewTitle } from '../../components/view-title';

export function NodesView() {
  const snapshot = useSnapshot().data;
  const history = useMetricsHistory().data ?? [];
  const selected = useNodeSelectionStore((state) => state.selected);
  const [drainRequest, setDrainRequest] = useState<DrainRequest | null>(null);
  const [capNode, setCapNode] = useState<NodeDto | null>(null);
  const [removing, setRemoving] = useState<NodeDto | null>(null);
  const [pauseOpen, setPauseOpen] = useState(false);
  const [logNode, setLogNode] = useState<string | null>(null);
  const [restarting, setRestarting] = useState<NodeActionDialogState | null>(null);
  const hosts = useHosts().data ?? [];
  const removeNode = useRemoveNode();
  const setPaused = useSetPaused();
  const notify = useNotify();

  const nodes = snapshot?.nodes ?? [];
  const role = snapshot?.connection.role ?? null;
  const denied = deniedReason(role, 'nodes.update');
  const pauseDenied = deniedReason(role, 'cluster.update');
  const paused = snapshot?.cluster?.paused ?? false;
  const hostOf = (node: NodeDto) =>
    hosts.find((host) => host.node?.name === node.name && host.node.state === 'provisioned') ?? null;
  const restartBlocked = (node: NodeDto) => {
    const host = hostOf(node);
    if (!host)
      return 'The console did not provision this node: restart it on its host, or add the host under Hosts.';
    return host.busyWith ? `${host.address} is busy with "${host.busyWith}".` : null;
  };
  const chosen = nodes.filter((node) => selected.has(node.name));
  const drainable = chosen.filter((node) => node.state === 'running').map((node) => node.name);
  const undrainable = chosen.filter((node) => node.state === 'draining').map((node) => node.name);

  return (
    <>
      <div style={{ display: 'flex', alignItems: 'center', gap: 12 }}>
        <ViewTitle grow>Nodes</ViewTitle>
        {paused && (
          <Badge appearance="filled" color="warning" size="large" data-testid="queue-paused">
            Queue paused
          </Badge>
        )}
      </div>
      <SectionCard
        title={`${nodes.length} node${nodes.length === 1 ? '' : 's'}`}
        action={
          <Toolbar aria-label="Node actions">
            <Tooltip
              content={
                denied ??
                (drainable.length ? `Drain ${drainable.join(', ')}` : 'Select running nodes to drain them')
              }
              relationship="description"
            >
              <ToolbarButton
                icon={<ArrowExitRegular />}
                disabled={denied !== null || drainable.length === 0}
                onClick={() => setDrainRequest({ names: drainable, drain: true })}
              >
                Drain selected{drainable.length ? ` (${drainable.length})` : ''}
              </ToolbarButton>
            </Tooltip>
            <ToolbarButton
              icon={<ArrowEnterRegular />}
              disabled={denied !== null || undrainable.length === 0}
              onClick={() => setDrainRequest({ names: undrainable, drain: false })}
            >
              Undrain selected{undrainable.length ? ` (${undrainable.length})` : ''}
            </ToolbarButton>
            <ToolbarDivider />
            <Tooltip
              content={
                pauseDenied ??
                (paused
                  ? 'Nodes pick up queued tasks again'
                  : 'No node picks up new tasks; running ones finish')
              }
              relationship="description"
            >
              <ToolbarButton
                icon={paused ? <PlayRegular /> : <PauseRegular />}
                disabled={pauseDenied !== null || setPaused.isPending}
                onClick={() =>
                  paused
                    ? setPaused.mutate(false, {
                        onSuccess: () => notify.success('Queue resumed'),
                        onError: (error) => notify.failure('Could not resume the queue', error),
                      })
                    : setPauseOpen(true)
                }
              >
                {paused ? 'Resume queue' : 'Pause queue'}
              </ToolbarButton>
            </Tooltip>
          </Toolbar>
        }
      >
        {nodes.length ? (
          <NodesTable
            nodes={nodes}
            history={history}
            leader={snapshot?.cluster?.leader ?? null}
            denied={denied}
            handlers={{
              onDrain: (node, drain) => setDrainRequest({ names: [node.name], drain }),
              onCap: setCapNode,
              onRemove: setRemoving,
              onRestart: (node) => {
                const host = hostOf(node);
                if (host) setRestarting({ kind: 'restart', host });
              },
              restartBlocked,
              onShowLog: (node) => setLogNode(node.name),
              logDenied: deniedReason(role, 'nodes.log'),
            }}
          />
        ) : (
          <Body1>{snapshot ? 'The cluster has no nodes registered.' : 'Loading nodes…'}</Body1>
        )}
      </SectionCard>
      <DrainDialog request={drainRequest} onClose={() => setDrainRequest(null)} />
      <NodeLogDrawer name={logNode} onClose={() => setLogNode(null)} />
      <TaskCapDialog node={capNode} onClose={() => setCapNode(null)} />
      <NodeActionDialogs
        state={restarting}
        hosts={hosts}
        suggestedName=""
        onClose={() => setRestarting(null)}
        onStarted={(action) => notify.success(`${action.title} started`, 'Follow its steps under Hosts.')}
      />
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.name ?? ''}?`}
        confirmLabel="Remove node"
        danger
        busy={removeNode.isPending}
        error={removeNode.error ? errorText(removeNode.error) : null}
        onCancel={() => {
          removeNode.reset();
          setRemoving(null);
        }}
        onConfirm={() =>
          removing &&
          removeNode.mutate(removing.name, {
            onSuccess: () => {
              notify.success(`Removed ${removing.name} from the cluster`);
              setRemoving(null);
            },
          })
        }
      >
        {removing?.name} is {removing?.state}. Removing it deletes its registration; if its service starts
        again it joins as a new node.
      </ConfirmDialog>
      <ConfirmDialog
        open={pauseOpen}
        title="Pause the cluster queue?"
        confirmLabel="Pause queue"
        busy={setPaused.isPending}
        error={setPaused.error ? errorText(setPaused.error) : null}
        onCancel={() => {
          setPaused.reset();
          setPauseOpen(false);
        }}
        onConfirm={() =>
          setPaused.mutate(true, {
            onSuccess: () => {
              notify.success('Queue paused', 'Running tasks finish; queued ones wait until you resume.');
              setPauseOpen(false);
            },
          })
        }
      >
        No node will start a queued task until you resume; deployments wait. Running tasks finish normally.
      </ConfirmDialog>
    </>
  );
}
