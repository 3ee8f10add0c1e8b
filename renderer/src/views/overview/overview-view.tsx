import { Switch } from '@fluentui/react-components';
import type { NodeState } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { SectionCard } from '../../components/section-card';
import { useActiveCluster } from '../../hooks/use-clusters';
import { useMetricsHistory } from '../../hooks/use-metrics-history';
import { useRecentEvents } from '../../hooks/use-recent-events';
import { useSnapshot } from '../../hooks/use-snapshot';
import { EventsFeed } from './events-feed';
import { FindingsBadge } from './findings-badge';
import { StatTile } from './stat-tile';
import { ThroughputChart } from './throughput-chart';
import { ViewTitle } from '../../components/view-title';

const STATES: NodeState[] = ['running', 'draining', 'offline', 'dead'];

export function OverviewView() {
  const cluster = useActiveCluster();
  const snapshot = useSnapshot().data;
  const history = useMetricsHistory().data ?? [];
  const events = useRecentEvents().data ?? [];
  const [showTasks, setShowTasks] = useState(false);
  const nodes = snapshot?.nodes ?? [];
  const count = (state: NodeState) => nodes.filter((node) => node.state === state).length;
  const lastMinute = history.filter((point) => point.at > Date.now() - 60_000);
  const perMinute = lastMinute.reduce((sum, point) => sum + point.finished, 0);
  const queue = snapshot?.cluster?.queue;
  const capacity = nodes
    .filter((node) => node.state === 'running')
    .reduce((sum, node) => sum + node.taskCap, 0);

  return (
    <>
      <div style={{ display: 'flex', alignItems: 'center', gap: 12 }}>
        <ViewTitle grow>{cluster?.name} — overview</ViewTitle>
        <FindingsBadge />
      </div>
      <div style={{ display: 'flex', gap: 16, flexWrap: 'wrap' }}>
        <StatTile
          testId="stat-nodes"
          label="Nodes up"
          value={`${count('running')} / ${nodes.length}`}
          detail={STATES.slice(1)
            .map((state) => `${count(state)} ${state}`)
            .join(' · ')}
        />
        <StatTile
          testId="stat-queue"
          label="Queue depth"
          value={queue?.queued ?? '–'}
          detail={
            snapshot?.cluster?.paused ? 'Queue paused: nothing is picked up' : 'tasks waiting for a node'
          }
        />
        <StatTile
          testId="stat-running"
          label="Running tasks"
          value={queue?.executing ?? '–'}
          detail={`of ${capacity} slots on running nodes`}
        />
        <StatTile
          testId="stat-throughput"
          label="Throughput"
          value={`${perMinute}/min`}
          detail="tasks finished in the last minute"
        />
      </div>
      <div style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 3fr) minmax(0, 2fr)', gap: 16 }}>
        <SectionCard title="Task throughput">
          <ThroughputChart points={history} />
        </SectionCard>
        <SectionCard
          title="Events"
          action={
            <Switch label="Tasks" checked={showTasks} onChange={(_e, data) => setShowTasks(data.checked)} />
          }
        >
          <EventsFeed events={events} tasks={showTasks} />
        </SectionCard>
      </div>
    </>
  );
}
