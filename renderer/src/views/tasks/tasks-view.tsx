import { Button, Tooltip } from '@fluentui/react-components';
import { BeakerRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { deniedReason } from '@flotilla/electron/common/permissions';
import { SectionCard } from '../../components/section-card';
import { useMetricsHistory } from '../../hooks/use-metrics-history';
import { useSnapshot } from '../../hooks/use-snapshot';
import { QueueTestTasksDialog } from './queue-test-tasks-dialog';
import { TaskDetailDrawer } from './task-detail-drawer';
import { TaskDistributionChart } from './task-distribution-chart';
import { TaskFilters } from './task-filters';
import { TaskList } from './task-list';
import { ViewTitle } from '../../components/view-title';

export function TasksView() {
  const history = useMetricsHistory().data ?? [];
  const role = useSnapshot().data?.connection.role ?? null;
  const denied = deniedReason(role, 'tasks.add');
  const [queueOpen, setQueueOpen] = useState(false);
  return (
    <>
      <div style={{ display: 'flex', alignItems: 'center', gap: 12 }}>
        <ViewTitle grow>Tasks</ViewTitle>
        <Tooltip
          content={denied ?? 'Queue tasks that only wait, to watch the cluster spread work'}
          relationship="description"
        >
          <Button icon={<BeakerRegular />} disabled={denied !== null} onClick={() => setQueueOpen(true)}>
            Queue test tasks…
          </Button>
        </Tooltip>
      </div>
      <SectionCard title="Running tasks per node">
        <TaskDistributionChart points={history} />
      </SectionCard>
      <SectionCard title="Tasks" action={<TaskFilters />}>
        {/* The list scrolls inside its card, so the chart above stays in view. */}
        <TaskList />
      </SectionCard>
      <TaskDetailDrawer />
      <QueueTestTasksDialog open={queueOpen} onClose={() => setQueueOpen(false)} />
    </>
  );
}
