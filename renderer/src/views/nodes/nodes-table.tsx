import {
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  TableSelectionCell,
  tokens,
} from '@fluentui/react-components';
import type { MetricsPointDto, NodeDto } from '@flotilla/electron/common/contract';
import { NodeStateBadge } from '../../components/node-state-badge';
import { Sparkline } from '../../components/sparkline';
import { formatBytes, formatDuration, formatPercent } from '../../components/format';
import { useNodeSelectionStore } from '../../stores/node-selection-store';
import { NodeRowActions, type NodeActionHandlers } from './node-row-actions';
import { RunningBar } from './running-bar';

const SPARK_POINTS = 60;

export function NodesTable({
  nodes,
  history,
  leader,
  denied,
  handlers,
}: {
  nodes: NodeDto[];
  history: MetricsPointDto[];
  leader: string | null;
  denied: string | null;
  handlers: NodeActionHandlers;
}) {
  const { selected, toggle, setAll, clear } = useNodeSelectionStore();
  const recent = history.slice(-SPARK_POINTS);
  const allSelected = nodes.length > 0 && nodes.every((node) => selected.has(node.name));
  return (
    <Table aria-label="Nodes" size="medium">
      <TableHeader>
        <TableRow>
          <TableSelectionCell
            checked={allSelected ? true : selected.size > 0 ? 'mixed' : false}
            onClick={() => (allSelected ? clear() : setAll(nodes.map((node) => node.name)))}
            checkboxIndicator={{ 'aria-label': 'Select all nodes' }}
          />
          <TableHeaderCell style={{ width: '22%' }}>Node</TableHeaderCell>
          <TableHeaderCell style={{ width: 100 }}>State</TableHeaderCell>
          <TableHeaderCell style={{ width: 100 }}>Heartbeat</TableHeaderCell>
          <TableHeaderCell style={{ width: 72 }}>Version</TableHeaderCell>
          <TableHeaderCell style={{ width: '18%' }}>Running / cap</TableHeaderCell>
          <TableHeaderCell style={{ width: 140 }}>CPU</TableHeaderCell>
          <TableHeaderCell style={{ width: 160 }}>Memory</TableHeaderCell>
          <TableHeaderCell style={{ width: 48 }} />
        </TableRow>
      </TableHeader>
      <TableBody>
        {nodes.map((node) => {
          const cpu = recent.map((point) => point.nodes[node.name]?.cpu ?? 0);
          const rss = recent.map((point) => point.nodes[node.name]?.rssBytes ?? 0);
          const stale = node.state === 'offline' || node.state === 'dead';
          return (
            <TableRow
              key={node.name}
              data-testid="node-row"
              data-name={node.name}
              data-state={node.state}
              aria-selected={selected.has(node.name)}
            >
              <TableSelectionCell
                checked={selected.has(node.name)}
                onClick={() => toggle(node.name)}
                checkboxIndicator={{ 'aria-label': `Select ${node.name}` }}
              />
              <TableCell>
                <div style={{ display: 'flex', flexDirection: 'column' }}>
                  <span style={{ fontWeight: 600 }}>
                    {node.name}
                    {leader === node.name && (
                      <Caption1 style={{ color: tokens.colorBrandForeground1 }}> · leader</Caption1>
                    )}
                  </span>
                  <Caption1 style={{ color: tokens.colorNeutralForeground3 }}>{node.url}</Caption1>
                </div>
              </TableCell>
              <TableCell>
                <NodeStateBadge state={node.state} />
              </TableCell>
              <TableCell>
                <span
                  data-testid="heartbeat-age"
                  style={{ color: stale ? tokens.colorPaletteRedForeground1 : undefined }}
                >
                  {formatDuration(node.lastSeenAgeMs)} ago
                </span>
              </TableCell>
              <TableCell>{node.version}</TableCell>
              <TableCell>
                <RunningBar running={node.runningTasks} cap={node.taskCap} />
              </TableCell>
              <TableCell>
                <div style={{ display: 'flex', alignItems: 'center', gap: 6 }}>
                  <Sparkline values={cpu} max={1} label={`CPU of ${node.name}`} />
                  <Caption1 style={{ minWidth: 34 }}>{stale ? '–' : formatPercent(node.cpu)}</Caption1>
                </div>
              </TableCell>
              <TableCell>
                <div style={{ display: 'flex', alignItems: 'center', gap: 6 }}>
                  <Sparkline values={rss} label={`Memory of ${node.name}`} />
                  <Caption1 style={{ minWidth: 52 }}>{stale ? '–' : formatBytes(node.rssBytes)}</Caption1>
                </div>
              </TableCell>
              <TableCell>
                <NodeRowActions node={node} denied={denied} handlers={handlers} />
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
