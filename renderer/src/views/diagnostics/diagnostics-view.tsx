import {
  Body1,
  Button,
  Caption1,
  MessageBar,
  MessageBarBody,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Tooltip,
} from '@fluentui/react-components';
import { deniedReason } from '@flotilla/electron/common/permissions';
import { ArrowClockwiseRegular, ArrowDownloadRegular } from '@fluentui/react-icons';
import { useNotify } from '../../components/use-notify';
import { useDownloadSupportBundle } from '../../hooks/use-support-bundle';
import { useSnapshot } from '../../hooks/use-snapshot';
import { errorText, formatClock } from '../../components/format';
import { SectionCard } from '../../components/section-card';
import { ViewTitle } from '../../components/view-title';
import { useDiagnostics } from '../../hooks/use-diagnostics';
import { NodeChecksTable } from './node-checks-table';
import { SeverityBadge } from './severity-badge';

/** The cluster check: one row per finding with what it means and what to do, and each node's own figures. */
export function DiagnosticsView() {
  const diagnostics = useDiagnostics();
  const report = diagnostics.data;
  const download = useDownloadSupportBundle();
  const notify = useNotify();
  const role = useSnapshot().data?.connection.role ?? null;
  const bundleDenied = deniedReason(role, 'cluster.supportBundle');
  return (
    <>
      <div style={{ display: 'flex', alignItems: 'center', gap: 12 }}>
        <ViewTitle grow>Diagnostics</ViewTitle>
        {report && (
          <Caption1>
            Checked by {report.servedBy} at {formatClock(report.at)}
          </Caption1>
        )}
        <Tooltip
          content={
            bundleDenied ?? 'A zip for support: diagnostics, node logs, configs without secrets, versions'
          }
          relationship="description"
        >
          <Button
            icon={download.isPending ? <Spinner size="tiny" /> : <ArrowDownloadRegular />}
            disabled={bundleDenied !== null || download.isPending}
            onClick={() =>
              download.mutate(undefined, {
                onSuccess: (name) => notify.success('Support bundle downloaded', name),
                onError: (error) => notify.failure('No support bundle', error),
              })
            }
          >
            Download support bundle
          </Button>
        </Tooltip>
        <Button
          icon={diagnostics.isFetching ? <Spinner size="tiny" /> : <ArrowClockwiseRegular />}
          disabled={diagnostics.denied !== null || diagnostics.isFetching}
          onClick={() => void diagnostics.refetch()}
        >
          Check again
        </Button>
      </div>
      {diagnostics.denied && (
        <MessageBar intent="info">
          <MessageBarBody>{diagnostics.denied}</MessageBarBody>
        </MessageBar>
      )}
      {diagnostics.error && (
        <MessageBar intent="error">
          <MessageBarBody>The cluster check failed: {errorText(diagnostics.error)}</MessageBarBody>
        </MessageBar>
      )}
      {report && (
        <SectionCard title={`Findings (${report.findings.length})`}>
          {report.findings.length === 0 ? (
            <Body1 data-testid="no-findings">
              No findings: every live node answered its check and the cluster's view shows no fault.
            </Body1>
          ) : (
            <Table aria-label="Findings" data-testid="findings">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell style={{ width: 100 }}>Severity</TableHeaderCell>
                  <TableHeaderCell style={{ width: 140 }}>Nodes</TableHeaderCell>
                  <TableHeaderCell>What it means</TableHeaderCell>
                  <TableHeaderCell>Fix</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {report.findings.map((finding, index) => (
                  <TableRow key={`${finding.check}-${index}`} data-testid={`finding-${finding.check}`}>
                    <TableCell>
                      <SeverityBadge severity={finding.severity} />
                    </TableCell>
                    <TableCell>{finding.nodes.join(', ') || '—'}</TableCell>
                    <TableCell>{finding.meaning}</TableCell>
                    <TableCell>{finding.fix}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </SectionCard>
      )}
      {report && (
        <SectionCard title="Nodes">
          <NodeChecksTable nodes={report.nodes} />
          <Caption1>
            Queue: {report.queue.queued} queued, {report.queue.executing} executing
            {report.queue.paused ? ' (paused)' : ''} · Leader: {report.leader.node ?? 'none'}
          </Caption1>
        </SectionCard>
      )}
    </>
  );
}
