import { Caption1, Text, tokens } from '@fluentui/react-components';
import type { EventDto } from '@flotilla/electron/common/contract';
import { formatClock } from '../../components/format';
import { describeEvent } from './describe-event';

const STATE_COLORS: Record<string, string> = {
  running: '#107c10',
  draining: '#bc4b09',
  offline: '#c50f1f',
  dead: '#c50f1f',
};
const COLORS: Partial<Record<EventDto['type'], string>> = {
  'node.joined': '#107c10',
  'node.deleted': '#c50f1f',
  'task.recovered': '#8764b8',
};

/** Node state changes in the colour of the state, so a dying node stands out in the feed. */
function eventColor(event: EventDto): string | undefined {
  if (event.type === 'node.state') return STATE_COLORS[String(event.data.state)];
  return COLORS[event.type];
}

/** The newest cluster events first; task chatter can be hidden so node changes stand out. */
export function EventsFeed({ events, tasks }: { events: EventDto[]; tasks: boolean }) {
  const shown = events
    .filter((event) => tasks || !event.type.startsWith('task.'))
    .slice(-40)
    .reverse();
  if (shown.length === 0) return <Caption1>No events since the console connected.</Caption1>;
  return (
    <ol
      style={{ listStyle: 'none', margin: 0, padding: 0, maxHeight: 320, overflow: 'auto' }}
      data-testid="events-feed"
    >
      {shown.map((event) => (
        <li
          key={event.seq}
          style={{
            display: 'flex',
            gap: 12,
            padding: '6px 4px',
            borderBottom: `1px solid ${tokens.colorNeutralStroke3}`,
          }}
        >
          <Caption1 style={{ color: tokens.colorNeutralForeground3, minWidth: 84, whiteSpace: 'nowrap' }}>
            {formatClock(event.at)}
          </Caption1>
          <Text
            style={{ color: eventColor(event), fontWeight: event.type === 'node.state' ? 600 : undefined }}
          >
            {describeEvent(event)}
          </Text>
        </li>
      ))}
    </ol>
  );
}
