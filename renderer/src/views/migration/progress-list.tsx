import { Caption1, ProgressBar, tokens } from '@fluentui/react-components';
import type { MigrationProgressDto } from '@flotilla/electron/common/contract';
import { formatBytes, formatDuration } from '../../components/format';

/** One bar per phase of a running engine step (files, rehearsal, database, verify…), as the engine reports it. */
export function ProgressList({
  events,
  label,
  finished = false,
}: {
  events: MigrationProgressDto[];
  label: string;
  /** The step has ended: phases that counted nothing are over too. */
  finished?: boolean;
}) {
  if (events.length === 0) return <Caption1>Starting…</Caption1>;
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 6 }}>
      <ol
        aria-label={label}
        style={{
          listStyle: 'none',
          margin: 0,
          padding: 0,
          display: 'flex',
          flexDirection: 'column',
          gap: 10,
        }}
      >
        {events.map((event) => {
          const fraction =
            event.bytesTotal > 0
              ? event.bytesDone / event.bytesTotal
              : event.itemsTotal > 0
                ? event.itemsDone / event.itemsTotal
                : finished
                  ? 1
                  : null;
          return (
            <li
              key={event.phase}
              data-testid="migration-progress"
              data-phase={event.phase}
              data-done={fraction === 1}
            >
              <Caption1 block>
                <strong>{event.phase}</strong> · {event.message}
                {event.bytesTotal > 0 &&
                  ` · ${formatBytes(event.bytesDone)} of ${formatBytes(event.bytesTotal)}`}
                {event.itemsTotal > 0 && ` · ${event.itemsDone}/${event.itemsTotal} ${event.unit}`}
                {event.etaMs !== null && event.etaMs > 0 && ` · about ${formatDuration(event.etaMs)} left`}
              </Caption1>
              <ProgressBar
                value={fraction ?? undefined}
                thickness="large"
                aria-label={`${event.phase} ${fraction === null ? '' : `${Math.floor(fraction * 100)}%`}`}
                style={{ maxWidth: 560, marginTop: 4 }}
                color={fraction === 1 ? 'success' : 'brand'}
              />
            </li>
          );
        })}
      </ol>
      <Caption1 style={{ color: tokens.colorNeutralForeground3 }}>
        {formatDuration(events.at(-1)!.elapsedMs)} since the step started
      </Caption1>
    </div>
  );
}
