import {
  Body1,
  Button,
  Caption1,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Tooltip,
} from '@fluentui/react-components';
import type { BalancerAdminState, BalancerServerDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { errorText, formatBytes, formatDuration } from '../../components/format';
import { deniedReason } from '@flotilla/electron/common/permissions';
import { SectionCard } from '../../components/section-card';
import { useNotify } from '../../components/use-notify';
import { useSetBalancerServerState } from '../../hooks/use-balancer-actions';
import { useActiveCluster } from '../../hooks/use-clusters';
import { useMetricsHistory } from '../../hooks/use-metrics-history';
import { useSnapshot } from '../../hooks/use-snapshot';
import { BalancerSettingsDialog } from './balancer-settings-dialog';
import { AdminStateBadge, CheckStatusBadge } from './balancer-state-badges';
import { RequestRateChart } from './request-rate-chart';
import { ViewTitle } from '../../components/view-title';

const EXPLAIN: Record<BalancerAdminState, string> = {
  ready: 'takes new users and requests again',
  drain: 'finishes current sessions but gets no new ones',
  maint: 'gets no traffic at all, even sessions in progress move elsewhere',
};

export function BalancerView() {
  const snapshot = useSnapshot().data;
  const history = useMetricsHistory().data ?? [];
  const setState = useSetBalancerServerState();
  const notify = useNotify();
  const [pending, setPending] = useState<{ server: BalancerServerDto; state: BalancerAdminState } | null>(
    null,
  );
  const stats = snapshot?.balancer ?? null;
  const role = snapshot?.connection.role ?? null;
  const denied = deniedReason(role, 'balancer.update');
  const settings = useActiveCluster()?.balancer ?? { kind: 'builtin' as const };
  const [editing, setEditing] = useState(false);
  const settingsDenied = deniedReason(role, 'balancer.settings');
  const reads =
    settings.kind === 'haproxy'
      ? `HAProxy on ${settings.where === 'host' ? settings.address : 'this machine'}, ${settings.runtimeSocket}`
      : 'built-in balancer at the cluster URL';

  const header = (
    <div style={{ display: 'flex', alignItems: 'baseline', gap: 12 }}>
      <ViewTitle>
        Load balancer <Caption1 data-testid="balancer-source">({reads})</Caption1>
      </ViewTitle>
      <Tooltip
        content={settingsDenied ?? 'Choose the built-in balancer or an HAProxy'}
        relationship="description"
      >
        <Button size="small" disabled={settingsDenied !== null} onClick={() => setEditing(true)}>
          Balancer settings
        </Button>
      </Tooltip>
      {editing && <BalancerSettingsDialog settings={settings} onClose={() => setEditing(false)} />}
    </div>
  );

  const apply = (server: BalancerServerDto, state: BalancerAdminState) =>
    setState.mutate(
      { name: server.name, state },
      {
        onSuccess: () => {
          notify.success(`${server.name} is now ${state} on the balancer`);
          setPending(null);
        },
        onError: (error) =>
          pending === null && notify.failure(`Could not set ${server.name} to ${state}`, error),
      },
    );

  if (!stats) {
    return (
      <>
        {header}
        <MessageBar intent="info" data-testid="no-balancer-stats">
          <MessageBarBody>
            <MessageBarTitle>No balancer stats</MessageBarTitle>
            {snapshot?.balancerError ??
              'The console reads the built-in balancer at <cluster URL>/_balancer/stats; for HAProxy, open "Balancer settings".'}
          </MessageBarBody>
        </MessageBar>
      </>
    );
  }

  return (
    <>
      {header}
      <Caption1>
        {stats.kind === 'builtin' ? 'Built-in balancer' : 'HAProxy'}, backend {stats.backend}
      </Caption1>
      <SectionCard title="Servers">
        <Table aria-label="Balancer servers">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Server</TableHeaderCell>
              <TableHeaderCell>Admin state</TableHeaderCell>
              <TableHeaderCell>Health check</TableHeaderCell>
              <TableHeaderCell>Sessions</TableHeaderCell>
              <TableHeaderCell>Requests/s</TableHeaderCell>
              <TableHeaderCell>Total</TableHeaderCell>
              <TableHeaderCell>In / out</TableHeaderCell>
              <TableHeaderCell style={{ width: 230 }}>Set state</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {stats.servers.map((server) => (
              <TableRow key={server.name} data-testid="balancer-row" data-name={server.name}>
                <TableCell>
                  <div style={{ display: 'flex', flexDirection: 'column' }}>
                    <span style={{ fontWeight: 600 }}>{server.name}</span>
                    <Caption1>{server.address}</Caption1>
                  </div>
                </TableCell>
                <TableCell>
                  <AdminStateBadge state={server.adminState} />
                </TableCell>
                <TableCell>
                  <CheckStatusBadge status={server.checkStatus} />
                  {server.lastChangeSeconds !== null && (
                    <Caption1> for {formatDuration(server.lastChangeSeconds * 1000)}</Caption1>
                  )}
                </TableCell>
                <TableCell>{server.currentSessions}</TableCell>
                <TableCell>{server.requestRate.toFixed(1)}</TableCell>
                <TableCell>{server.totalRequests}</TableCell>
                <TableCell>
                  {formatBytes(server.bytesIn)} / {formatBytes(server.bytesOut)}
                </TableCell>
                <TableCell>
                  {(['ready', 'drain', 'maint'] as const).map((state) => (
                    <Tooltip
                      key={state}
                      content={denied ?? `${server.name} ${EXPLAIN[state]}`}
                      relationship="description"
                    >
                      <Button
                        size="small"
                        appearance={server.adminState === state ? 'primary' : 'secondary'}
                        disabled={denied !== null || server.adminState === state || setState.isPending}
                        style={{ marginRight: 4 }}
                        onClick={() =>
                          state === 'ready' ? apply(server, state) : setPending({ server, state })
                        }
                      >
                        {state}
                      </Button>
                    </Tooltip>
                  ))}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </SectionCard>
      <SectionCard title="Request rate">
        {history.some((point) => point.balancer) ? (
          <RequestRateChart points={history} />
        ) : (
          <Body1>Collecting…</Body1>
        )}
      </SectionCard>
      <ConfirmDialog
        open={pending !== null}
        title={`Set ${pending?.server.name ?? ''} to ${pending?.state ?? ''}?`}
        confirmLabel={`Set ${pending?.state ?? ''}`}
        danger={pending?.state === 'maint'}
        busy={setState.isPending}
        error={setState.error ? errorText(setState.error) : null}
        onCancel={() => {
          setState.reset();
          setPending(null);
        }}
        onConfirm={() => pending && apply(pending.server, pending.state)}
      >
        {pending &&
          `${pending.server.name} ${EXPLAIN[pending.state]}. The node itself keeps running its tasks.`}
      </ConfirmDialog>
    </>
  );
}
