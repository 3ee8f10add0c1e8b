import {
  Body1,
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  tokens,
} from '@fluentui/react-components';
import type { TaskDto } from '@flotilla/electron/common/contract';
import { TASK_LIST_LIMIT } from '@flotilla/electron/common/contract';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useRef, type KeyboardEvent } from 'react';
import { formatClock, formatDuration } from '../../components/format';
import { TaskStateBadge } from '../../components/task-state-badge';
import { useTaskList } from '../../hooks/use-tasks';
import { useTaskViewStore } from '../../stores/task-view-store';

/** A small-size Fluent row (34 px cells, a 1 px border); rows are measured as they render, this places the rest. */
const ROW_HEIGHT = 35;
const COLUMNS = 7;

/**
 * The task list scrolls inside its card (the chart above stays in view) and renders only the rows
 * in sight, so ten thousand tasks cost what thirty do. The table keeps its semantics: aria-rowcount
 * and aria-rowindex tell assistive technology where each rendered row sits in the whole list, and
 * the arrow keys move between rows, scrolling the next one into being. Memoised: the view around it
 * re-renders with every snapshot (once a second), the list only when its tasks change.
 */
export const TaskList = memo(function TaskList() {
  const { filter, open } = useTaskViewStore();
  const { data, error, isPending } = useTaskList(filter);
  const scrollRef = useRef<HTMLDivElement>(null);
  const tasks = data ?? [];
  const virtualizer = useVirtualizer({
    count: tasks.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    // React batches the renders a fast scroll asks for instead of one synchronous render per scroll event.
    useFlushSync: false,
    getItemKey: (index) => tasks[index]?.id ?? index,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const before = items[0]?.start ?? 0;
  const after = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);

  const rowCount = tasks.length;
  // Stable while the list's length is, so the memoised rows already on screen skip a scroll's render.
  const onRowKey = useCallback(
    (event: KeyboardEvent, index: number, id: string) => {
      const target = { Enter: index, ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: rowCount - 1 }[
        event.key
      ];
      if (target === undefined) return;
      event.preventDefault();
      if (event.key === 'Enter') return open(id);
      if (target < 0 || target >= rowCount) return;
      virtualizer.scrollToIndex(target, { align: 'auto' });
      // The row may only exist after the scroll renders it.
      requestAnimationFrame(() =>
        scrollRef.current?.querySelector<HTMLElement>(`[data-index="${target}"]`)?.focus(),
      );
    },
    [rowCount, open, virtualizer],
  );

  return (
    <div
      ref={scrollRef}
      style={{ maxHeight: '60vh', overflowY: 'auto', overflowAnchor: 'none' }}
      data-testid="task-list-scroll"
    >
      {error ? (
        <Body1 style={{ color: '#c50f1f' }}>Could not load tasks: {error.message}</Body1>
      ) : isPending ? (
        <Body1>Loading tasks…</Body1>
      ) : !tasks.length ? (
        <Body1>No tasks match.</Body1>
      ) : (
        <>
          <Table aria-label="Tasks" aria-rowcount={tasks.length + 1} size="small" data-testid="task-table">
            <TableHeader
              style={{
                position: 'sticky',
                top: 0,
                zIndex: 1,
                background: tokens.colorNeutralBackground1,
              }}
            >
              <TableRow aria-rowindex={1}>
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
              {before > 0 && <Spacer height={before} />}
              {items.map(({ index }) => (
                <TaskRow
                  key={tasks[index]!.id}
                  task={tasks[index]!}
                  index={index}
                  measure={virtualizer.measureElement}
                  onOpen={open}
                  onKey={onRowKey}
                />
              ))}
              {after > 0 && <Spacer height={after} />}
            </TableBody>
          </Table>
          {tasks.length >= (filter.limit ?? TASK_LIST_LIMIT) && (
            <Caption1 style={{ display: 'block', padding: 8 }}>
              The newest {tasks.length.toLocaleString()} tasks; narrow the filters to see older ones.
            </Caption1>
          )}
        </>
      )}
    </div>
  );
});

/** Stands for the rows out of sight, so the scrollbar matches the whole list. */
function Spacer({ height }: { height: number }) {
  return (
    <tr aria-hidden="true">
      <td colSpan={COLUMNS} style={{ height, padding: 0, border: 0 }} />
    </tr>
  );
}

const TaskRow = memo(function TaskRow({
  task,
  index,
  measure,
  onOpen,
  onKey,
}: {
  task: TaskDto;
  index: number;
  measure: (row: HTMLTableRowElement | null) => void;
  onOpen: (id: string) => void;
  onKey: (event: KeyboardEvent, index: number, id: string) => void;
}) {
  return (
    <TableRow
      ref={measure}
      data-index={index}
      aria-rowindex={index + 2}
      onClick={() => onOpen(task.id)}
      style={{ cursor: 'pointer' }}
      data-testid="task-row"
      tabIndex={0}
      onKeyDown={(event) => onKey(event, index, task.id)}
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
  );
});
