import {
  Body1,
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  Tab,
  TabList,
  Toolbar,
  ToolbarButton,
  Tooltip,
} from '@fluentui/react-components';
import { AddRegular, ArrowRepeatAllRegular, SettingsRegular, WindowRegular } from '@fluentui/react-icons';
import type { HostActionDto, HostDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { errorText } from '../../components/format';
import { deniedReason } from '@flotilla/electron/common/permissions';
import { SectionCard } from '../../components/section-card';
import { useNotify } from '../../components/use-notify';
import {
  useHostActions,
  useHosts,
  useProvisioningSettings,
  useRemoveHost,
  useStartHostAction,
} from '../../hooks/use-hosts';
import { useSnapshot } from '../../hooks/use-snapshot';
import { ActionPanel } from './action-panel';
import { AddHostDialog } from './add-host-dialog';
import { ConfirmKeyDialog } from './confirm-key-dialog';
import { HostsTable } from './hosts-table';
import { NodeActionDialogs, type NodeActionDialogState } from './node-action-dialogs';
import { ProvisionDialog } from './provision-dialog';
import { ProvisioningSettingsDialog } from './provisioning-settings-dialog';
import { WindowsHostDialog } from './windows-host-dialog';
import { ViewTitle } from '../../components/view-title';

/** Hosts and provisioning: the SSH inventory of the cluster, and the node actions on it, streamed live. */
export function HostsView() {
  const hosts = useHosts();
  const actions = useHostActions().data ?? [];
  const settings = useProvisioningSettings().data ?? null;
  const snapshot = useSnapshot().data;
  const denied = deniedReason(snapshot?.connection.role ?? null, 'hosts.manage');
  const [adding, setAdding] = useState(false);
  const [addingWindows, setAddingWindows] = useState(false);
  const [provisioning, setProvisioning] = useState<HostDto | null>(null);
  const [nodeDialog, setNodeDialog] = useState<NodeActionDialogState | null>(null);
  const [keyHost, setKeyHost] = useState<HostDto | null>(null);
  const [removingHost, setRemovingHost] = useState<HostDto | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [shownId, setShownId] = useState<string | null>(null);
  const removeHost = useRemoveHost();
  const rerun = useStartHostAction();
  const notify = useNotify();

  const list = hosts.data ?? [];
  const taken = new Set([
    ...(snapshot?.nodes.map((node) => node.name) ?? []),
    ...list.flatMap((host) => (host.node ? [host.node.name] : [])),
  ]);
  let n = 1;
  while (taken.has(`node-${n}`)) n++;
  const suggestedName = `node-${n}`;
  const shown = actions.find((action) => action.id === shownId) ?? actions.at(-1) ?? null;
  const provisioned = list.filter((host) => host.node?.state === 'provisioned');
  const rollingReason =
    denied ?? (provisioned.length ? null : 'No node here was provisioned by the console.');
  const needsSettings = settings?.source === 'missing';

  const runAgain = (action: HostActionDto) => {
    const host = list.find((candidate) => candidate.id === action.hostIds[0]);
    if (action.kind !== 'provision' || !host?.node) return null;
    const { name, listenHost, port, publicUrl, installRoot } = host.node;
    return () =>
      rerun.mutate(
        {
          kind: 'provision',
          input: { hostId: host.id, nodeName: name, listenHost, port, publicUrl, installRoot },
        },
        {
          onSuccess: (started) => setShownId(started.id),
          onError: (error) => notify.failure('Could not run it again', error),
        },
      );
  };

  return (
    <>
      <ViewTitle>Hosts</ViewTitle>
      {needsSettings && (
        <MessageBar intent="warning" data-testid="provisioning-settings-missing">
          <MessageBarBody>
            To provision nodes into this cluster the console needs its database URL (as the hosts reach it)
            and its master key.
          </MessageBarBody>
          <MessageBarActions>
            <Button onClick={() => setSettingsOpen(true)} disabled={denied !== null}>
              Enter them
            </Button>
          </MessageBarActions>
        </MessageBar>
      )}
      {settings?.bundleError && (
        <MessageBar intent="warning">
          <MessageBarBody>{settings.bundleError}</MessageBarBody>
        </MessageBar>
      )}
      <SectionCard
        title={`${list.length} host${list.length === 1 ? '' : 's'}`}
        action={
          <Toolbar aria-label="Host actions">
            <Tooltip
              content={denied ?? 'Add a machine the console reaches over SSH'}
              relationship="description"
            >
              <ToolbarButton icon={<AddRegular />} disabled={denied !== null} onClick={() => setAdding(true)}>
                Add host
              </ToolbarButton>
            </Tooltip>
            <Tooltip
              content={denied ?? 'Install a node on a Windows machine with its MSI; it joins by itself'}
              relationship="description"
            >
              <ToolbarButton
                icon={<WindowRegular />}
                disabled={denied !== null}
                onClick={() => setAddingWindows(true)}
              >
                Add a Windows host
              </ToolbarButton>
            </Tooltip>
            <Tooltip
              content={rollingReason ?? 'Restart or upgrade every provisioned node, one at a time'}
              relationship="description"
            >
              <ToolbarButton
                icon={<ArrowRepeatAllRegular />}
                disabled={rollingReason !== null}
                onClick={() => setNodeDialog({ kind: 'rolling' })}
              >
                Rolling restart / upgrade
              </ToolbarButton>
            </Tooltip>
            <Tooltip
              content={
                denied ??
                (settings?.source === 'sandbox'
                  ? 'The local sandbox provides its own database URL and master key'
                  : 'Database URL and master key for new nodes')
              }
              relationship="description"
            >
              <ToolbarButton
                icon={<SettingsRegular />}
                disabled={denied !== null || settings?.source === 'sandbox'}
                onClick={() => setSettingsOpen(true)}
              >
                Provisioning settings
              </ToolbarButton>
            </Tooltip>
          </Toolbar>
        }
      >
        {hosts.error ? (
          <MessageBar intent="error">
            <MessageBarBody>{errorText(hosts.error)}</MessageBarBody>
          </MessageBar>
        ) : list.length ? (
          <HostsTable
            hosts={list}
            denied={denied}
            handlers={{
              onProvision: setProvisioning,
              onRestart: (host) => setNodeDialog({ kind: 'restart', host }),
              onRemoveNode: (host) => setNodeDialog({ kind: 'removeNode', host }),
              onReplace: (host) => setNodeDialog({ kind: 'replace', host }),
              onConfirmKey: setKeyHost,
              onRemoveHost: setRemovingHost,
            }}
          />
        ) : (
          <Body1>
            {hosts.isLoading ? 'Loading hosts…' : 'No hosts yet: add the machines new nodes go on.'}
          </Body1>
        )}
      </SectionCard>
      {actions.length > 1 && (
        <TabList
          size="small"
          selectedValue={shown?.id ?? ''}
          onTabSelect={(_e, data) => setShownId(String(data.value))}
          aria-label="Recent actions"
          // Six recent actions with long titles do not fit one line on a laptop screen.
          style={{ flexWrap: 'wrap' }}
        >
          {actions
            .slice(-6)
            .reverse()
            .map((action) => (
              <Tab key={action.id} value={action.id}>
                {action.title} · {action.state}
              </Tab>
            ))}
        </TabList>
      )}
      {shown && (
        <ActionPanel
          action={shown}
          onRunAgain={shown.state === 'failed' ? runAgain(shown) : null}
          runAgainDenied={denied}
        />
      )}
      <AddHostDialog open={adding} onClose={() => setAdding(false)} />
      <WindowsHostDialog
        open={addingWindows}
        suggestedName={suggestedName}
        onClose={() => setAddingWindows(false)}
      />
      <ProvisionDialog
        host={provisioning}
        suggestedName={suggestedName}
        onClose={() => setProvisioning(null)}
        onStarted={setShownId}
      />
      <NodeActionDialogs
        state={nodeDialog}
        hosts={list}
        suggestedName={suggestedName}
        onClose={() => setNodeDialog(null)}
        onStarted={(action) => setShownId(action.id)}
      />
      <ConfirmKeyDialog host={keyHost} onClose={() => setKeyHost(null)} />
      <ProvisioningSettingsDialog
        settings={settingsOpen ? settings : null}
        onClose={() => setSettingsOpen(false)}
      />
      <ConfirmDialog
        open={removingHost !== null}
        title={`Remove ${removingHost?.address ?? ''} from the inventory?`}
        confirmLabel="Remove host"
        danger
        busy={removeHost.isPending}
        error={removeHost.error ? errorText(removeHost.error) : null}
        onCancel={() => {
          removeHost.reset();
          setRemovingHost(null);
        }}
        onConfirm={() =>
          removingHost &&
          removeHost.mutate(removingHost.id, {
            onSuccess: () => {
              notify.success(`Removed ${removingHost.address}`, 'Its credential was deleted from the vault.');
              setRemovingHost(null);
            },
          })
        }
      >
        The console forgets the host, its pinned key and its credential.
        {removingHost?.node
          ? ` ${removingHost.node.name} keeps running there: use "Remove node" first to take it out of the cluster.`
          : ''}
      </ConfirmDialog>
    </>
  );
}
