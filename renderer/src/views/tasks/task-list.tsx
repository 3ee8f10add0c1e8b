import {
  Body1,
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import { formatClock, formatDuration } from '../../components/format';
import { TaskStateBadge } from '../../components/task-state-badge';
import { useTaskList } from '../../hooks/use-tasks';
import { useTaskViewStore } from '../../stores/task-view-store';

export function TaskList() {
  const { filter, open } = useTaskViewStore();
  const { data, error, isPending } = useTaskList(filter);
  if (error) return <Body1 style={{ color: '#c50f1f' }}>Could not load tasks: {error.message}</Body1>;
  if (isPending) return <Body1>Loading tasks…</Body1>;
  if (!data?.length) return <Body1>No tasks match.</Body1>;
  return (
    <Table aria-label="Tasks" size="small">
      <TableHeader>
        <TableRow>
          <TableHeaderCell style={{ width: 80 }}>Id</TableHeaderCell>
          <TableHeaderCell>Kind</TableHeaderCell>
          <TableHeaderCell>State</TableHeaderCell>
          <TableHeaderCell>Node</TableHeaderCell>
          <TableHeaderCell style={{ width: 80 }}>Attempts</TableHeaderCell>
          <TableHeaderCell>Queued</TableHeaderCell>
          <TableHeaderCell>Duration</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {data.map((task) => (
          <TableRow
            key={task.id}
            onClick={() => open(task.id)}
            style={{ cursor: 'pointer' }}
            data-testid="task-row"
            tabIndex={0}
            onKeyDown={(event) => event.key === 'Enter' && open(task.id)}
          >
            <TableCell>{task.id}</TableCell>
            <TableCell>
              {task.kind}
              {task.description && <Caption1> — {task.description}</Caption1>}
            </TableCell>
            <TableCell>
              <TaskStateBadge state={task.state} />
            </TableCell>
            <TableCell>{task.node ?? '–'}</TableCell>
            <TableCell>{task.attempts}</TableCell>
            <TableCell>{formatClock(task.queuedAt)}</TableCell>
            <TableCell>
              {task.startedAt
                ? formatDuration(
                    (task.finishedAt ? Date.parse(task.finishedAt) : Date.now()) - Date.parse(task.startedAt),
                  )
                : '–'}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
