import {
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import type { DiagnosticsDto } from '@flotilla/electron/common/contract';
import { formatBytes } from '../../components/format';
import { NodeStateBadge } from '../../components/node-state-badge';

const ms = (value: number | null) => (value === null ? '—' : `${value} ms`);

/** Each node's own check, as it reported it (or why it did not). */
export function NodeChecksTable({ nodes }: { nodes: DiagnosticsDto['nodes'] }) {
  return (
    <Table aria-label="Node checks" size="small">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Node</TableHeaderCell>
          <TableHeaderCell>State</TableHeaderCell>
          <TableHeaderCell>Version</TableHeaderCell>
          <TableHeaderCell>Database</TableHeaderCell>
          <TableHeaderCell>Clock offset</TableHeaderCell>
          <TableHeaderCell>Event loop lag</TableHeaderCell>
          <TableHeaderCell>Connections</TableHeaderCell>
          <TableHeaderCell>Shared free</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {nodes.map((node) => {
          const check = node.selfCheck;
          return (
            <TableRow key={node.name}>
              <TableCell>{node.name}</TableCell>
              <TableCell>
                <NodeStateBadge state={node.state} />
              </TableCell>
              <TableCell>{check?.version ?? node.version}</TableCell>
              <TableCell>
                {check
                  ? check.database.error
                    ? check.database.error
                    : `${ms(check.database.latencyMs)}, schema ${check.database.schemaVersion}`
                  : (node.unreachable ?? 'not checked')}
              </TableCell>
              <TableCell>{ms(check?.clockOffsetMs ?? null)}</TableCell>
              <TableCell>{check ? ms(check.eventLoopLagMs) : '—'}</TableCell>
              <TableCell>{check?.openConnections ?? '—'}</TableCell>
              <TableCell>
                {check?.shared.freeBytes == null ? '—' : formatBytes(check.shared.freeBytes)}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
