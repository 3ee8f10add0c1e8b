import {
  Badge,
  Body1,
  Button,
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import { AddRegular, DeleteRegular, EditRegular, StopRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { ClusterEntryDto } from '@flotilla/electron/common/contract';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { errorText } from '../../components/format';
import { SectionCard } from '../../components/section-card';
import { useNotify } from '../../components/use-notify';
import { useClusters, useRemoveCluster, useSelectCluster } from '../../hooks/use-clusters';
import { useSandboxStatus, useStopSandbox } from '../../hooks/use-sandbox';
import { ClusterFormDialog } from './cluster-form-dialog';
import { useClusterFormStore } from './cluster-form-store';
import { DirectoryButton } from './directory-button';
import { SandboxButton } from './sandbox-button';
import { StandaloneButton } from '../migration/standalone-button';
import { ViewTitle } from '../../components/view-title';

export function ClustersView() {
  const { data } = useClusters();
  const select = useSelectCluster();
  const remove = useRemoveCluster();
  const sandbox = useSandboxStatus().data;
  const stopSandbox = useStopSandbox();
  const { openNew, openEdit } = useClusterFormStore();
  const notify = useNotify();
  const [removing, setRemoving] = useState<ClusterEntryDto | null>(null);

  return (
    <>
      <div style={{ display: 'flex', alignItems: 'center', gap: 12 }}>
        <ViewTitle grow>Clusters</ViewTitle>
        <SandboxButton appearance="secondary" />
        <StandaloneButton />
        <DirectoryButton />
        {sandbox?.state === 'running' && (
          <Button
            icon={<StopRegular />}
            disabled={stopSandbox.isPending}
            onClick={() =>
              stopSandbox.mutate(undefined, {
                onError: (error) => notify.failure('Could not stop the sandbox', error),
              })
            }
          >
            Stop the sandbox
          </Button>
        )}
        <Button appearance="primary" icon={<AddRegular />} onClick={openNew}>
          Add a cluster
        </Button>
      </div>
      {sandbox?.state === 'failed' && sandbox.error && (
        <Body1 style={{ color: '#c50f1f' }}>{sandbox.error}</Body1>
      )}
      <SectionCard title="Saved connections">
        {data?.clusters.length ? (
          <Table aria-label="Saved clusters">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Name</TableHeaderCell>
                <TableHeaderCell>Balancer URL</TableHeaderCell>
                <TableHeaderCell>Nodes known</TableHeaderCell>
                <TableHeaderCell style={{ width: 300 }}>Actions</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.clusters.map((cluster) => {
                const active = cluster.id === data.activeId;
                return (
                  <TableRow key={cluster.id} data-testid="cluster-row" data-name={cluster.name}>
                    <TableCell>
                      <span style={{ fontWeight: 600 }}>{cluster.name}</span>{' '}
                      {active && (
                        <Badge appearance="tint" color="brand">
                          active
                        </Badge>
                      )}{' '}
                      {cluster.kind !== 'remote' && (
                        <Badge appearance="outline" color="informative">
                          {cluster.kind === 'sandbox' ? 'sandbox' : 'local standalone'}
                        </Badge>
                      )}
                    </TableCell>
                    <TableCell>{cluster.balancerUrl}</TableCell>
                    <TableCell>
                      <Caption1>{cluster.nodeUrls.length}</Caption1>
                    </TableCell>
                    <TableCell>
                      <Button
                        size="small"
                        appearance={active ? 'subtle' : 'primary'}
                        disabled={active || select.isPending}
                        onClick={() =>
                          select.mutate(cluster.id, {
                            onError: (error) => notify.failure('Could not switch', error),
                          })
                        }
                      >
                        {active ? 'In use' : 'Switch to'}
                      </Button>{' '}
                      <Button size="small" icon={<EditRegular />} onClick={() => openEdit(cluster.id)}>
                        Edit
                      </Button>{' '}
                      <Button size="small" icon={<DeleteRegular />} onClick={() => setRemoving(cluster)}>
                        Remove
                      </Button>
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        ) : (
          <Body1>
            No clusters saved yet. Add one with its balancer URL and an API key, or start the local sandbox.
          </Body1>
        )}
      </SectionCard>
      <ClusterFormDialog />
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.name ?? ''}?`}
        confirmLabel="Remove"
        danger
        busy={remove.isPending}
        error={remove.error ? errorText(remove.error) : null}
        onCancel={() => {
          remove.reset();
          setRemoving(null);
        }}
        onConfirm={() =>
          removing &&
          remove.mutate(removing.id, {
            onSuccess: () => {
              notify.success(`Removed ${removing.name}`);
              setRemoving(null);
            },
          })
        }
      >
        The console forgets this connection and its API key. The cluster itself is not touched.
      </ConfirmDialog>
    </>
  );
}
