import {
  Body1,
  Button,
  Caption1,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  OverlayDrawer,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  tokens,
  Tooltip,
} from '@fluentui/react-components';
import { deniedReason } from '@flotilla/electron/common/permissions';
import { DismissRegular } from '@fluentui/react-icons';
import { useEffect, useRef } from 'react';
import { formatClock } from '../../components/format';
import { TaskStateBadge } from '../../components/task-state-badge';
import { useNotify } from '../../components/use-notify';
import { useFollowTaskLog } from '../../hooks/use-follow-task-log';
import { LOG_BOX_STYLE } from '../../components/log-box-style';
import { useSnapshot } from '../../hooks/use-snapshot';
import { useCancelTask, useRetryTask, useTask, useTaskLog } from '../../hooks/use-tasks';
import { useTaskViewStore } from '../../stores/task-view-store';

export function TaskDetailDrawer() {
  const { openTaskId, open } = useTaskViewStore();
  const { data: task } = useTask(openTaskId);
  const running = task?.state === 'executing' || task?.state === 'queued';
  useFollowTaskLog(openTaskId, running);
  const { data: log } = useTaskLog(openTaskId, task?.state);
  const cancel = useCancelTask();
  const retry = useRetryTask();
  const role = useSnapshot().data?.connection.role ?? null;
  const cancelDenied = deniedReason(role, 'tasks.cancel');
  const retryDenied = deniedReason(role, 'tasks.retry');
  const notify = useNotify();
  const logEnd = useRef<HTMLDivElement>(null);
  // Follow the tail as lines arrive, like `tail -f`. Scrolling is the DOM's business, not data fetching.
  useEffect(() => {
    logEnd.current?.scrollIntoView({ block: 'end' });
  }, [log]);

  return (
    <OverlayDrawer
      position="end"
      size="large"
      open={openTaskId !== null}
      onOpenChange={(_e, data) => !data.open && open(null)}
    >
      <DrawerHeader>
        <DrawerHeaderTitle
          action={
            <Button
              appearance="subtle"
              aria-label="Close"
              icon={<DismissRegular />}
              onClick={() => open(null)}
            />
          }
        >
          Task {openTaskId} {task && <TaskStateBadge state={task.state} />}
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        {task && (
          <>
            <Body1>
              {task.kind}
              {task.description ? ` — ${task.description}` : ''} · queued {formatClock(task.queuedAt)}
              {task.node ? ` · on ${task.node}` : ''}
            </Body1>
            {task.error && <Body1 style={{ color: tokens.colorPaletteRedForeground1 }}>{task.error}</Body1>}
            <div style={{ display: 'flex', gap: 8 }}>
              <Tooltip
                content={cancelDenied ?? 'Stop the task on the node that runs it'}
                relationship="description"
              >
                <Button
                  disabled={cancelDenied !== null || !running || cancel.isPending}
                  onClick={() =>
                    cancel.mutate(task.id, { onError: (error) => notify.failure('Could not cancel', error) })
                  }
                >
                  Cancel task
                </Button>
              </Tooltip>
              <Tooltip content={retryDenied ?? 'Queue the task again'} relationship="description">
                <Button
                  disabled={retryDenied !== null || (task.state !== 'failed' && task.state !== 'canceled')}
                  onClick={() =>
                    retry.mutate(task.id, { onError: (error) => notify.failure('Could not retry', error) })
                  }
                >
                  Retry
                </Button>
              </Tooltip>
            </div>
            <Subtitle2>Attempts</Subtitle2>
            <Table size="extra-small" aria-label="Attempts">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>#</TableHeaderCell>
                  <TableHeaderCell>Node</TableHeaderCell>
                  <TableHeaderCell>Started</TableHeaderCell>
                  <TableHeaderCell>Outcome</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {task.attemptsDetail.map((attempt) => (
                  <TableRow key={attempt.attempt}>
                    <TableCell>{attempt.attempt}</TableCell>
                    <TableCell>{attempt.node}</TableCell>
                    <TableCell>{formatClock(attempt.startedAt)}</TableCell>
                    <TableCell>
                      {attempt.outcome}
                      {attempt.note && <Caption1> — {attempt.note}</Caption1>}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Subtitle2>Log {running && <Caption1>(following live)</Caption1>}</Subtitle2>
            <pre data-testid="task-log" style={{ ...LOG_BOX_STYLE, minHeight: 160, maxHeight: 420 }}>
              {log || (running ? 'Waiting for output…' : '(no output)')}
              <div ref={logEnd} />
            </pre>
          </>
        )}
      </DrawerBody>
    </OverlayDrawer>
  );
}
