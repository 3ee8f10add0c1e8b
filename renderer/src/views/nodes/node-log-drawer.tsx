import {
  Button,
  Caption1,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  Dropdown,
  Input,
  Option,
  OverlayDrawer,
  Switch,
  tokens,
} from '@fluentui/react-components';
import { DismissRegular, SearchRegular } from '@fluentui/react-icons';
import { useEffect, useMemo, useRef, useState } from 'react';
import { errorText, formatClock } from '../../components/format';
import { LOG_BOX_STYLE } from '../../components/log-box-style';
import { NODE_LOG_LINES, useNodeLog } from '../../hooks/use-node-log';
import { parseLogLines } from './parse-log-lines';

const LEVEL_FILTERS = [
  { label: 'All levels', min: 0 },
  { label: 'Info and above', min: 30 },
  { label: 'Warnings and errors', min: 40 },
  { label: 'Errors', min: 50 },
] as const;

const LEVEL_COLOR: Record<string, string> = {
  warn: tokens.colorPaletteMarigoldForeground2,
  error: tokens.colorPaletteRedForeground1,
  fatal: tokens.colorPaletteRedForeground1,
};

/** A node's own log: its last lines, followed live, filtered by level and searched. */
export function NodeLogDrawer({ name, onClose }: { name: string | null; onClose: () => void }) {
  const [follow, setFollow] = useState(true);
  const [minLevel, setMinLevel] = useState<number>(0);
  const [search, setSearch] = useState('');
  const log = useNodeLog(name, follow);
  const lines = useMemo(() => parseLogLines(log.data ?? ''), [log.data]);
  const needle = search.trim().toLowerCase();
  const shown = lines.filter(
    (line) => line.level >= minLevel && (!needle || line.raw.toLowerCase().includes(needle)),
  );
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (follow) end.current?.scrollIntoView({ block: 'end' });
  }, [follow, shown.length]);

  return (
    <OverlayDrawer
      position="end"
      size="large"
      open={name !== null}
      onOpenChange={(_e, data) => !data.open && onClose()}
    >
      <DrawerHeader>
        <DrawerHeaderTitle
          action={
            <Button appearance="subtle" aria-label="Close" icon={<DismissRegular />} onClick={onClose} />
          }
        >
          Log of {name}
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        <div style={{ display: 'flex', gap: 12, alignItems: 'center', flexWrap: 'wrap' }}>
          <Switch label="Follow" checked={follow} onChange={(_e, data) => setFollow(data.checked)} />
          <Dropdown
            aria-label="Level"
            value={LEVEL_FILTERS.find((filter) => filter.min === minLevel)?.label ?? ''}
            selectedOptions={[String(minLevel)]}
            onOptionSelect={(_e, data) => setMinLevel(Number(data.optionValue))}
          >
            {LEVEL_FILTERS.map((filter) => (
              <Option key={filter.min} value={String(filter.min)}>
                {filter.label}
              </Option>
            ))}
          </Dropdown>
          <Input
            aria-label="Search the log"
            placeholder="Search"
            contentBefore={<SearchRegular />}
            value={search}
            onChange={(_e, data) => setSearch(data.value)}
          />
          <Caption1>
            {shown.length} of {lines.length} lines (the last {NODE_LOG_LINES}
            {follow ? ', then live' : ''})
          </Caption1>
        </div>
        {log.error && <Caption1>Could not read the log: {errorText(log.error)}</Caption1>}
        <pre data-testid="node-log" style={{ ...LOG_BOX_STYLE, flexGrow: 1 }}>
          {shown.map((line, index) => (
            <div key={index} data-level={line.levelName} style={{ color: LEVEL_COLOR[line.levelName] }}>
              {line.time === null ? '' : `${formatClock(line.time)} `}
              {line.levelName.toUpperCase().padEnd(5)} {line.msg}
              {line.fields && <span style={{ color: tokens.colorNeutralForeground3 }}> {line.fields}</span>}
            </div>
          ))}
          {lines.length === 0 && (follow ? 'Waiting for the log…' : '(empty)')}
          <div ref={end} />
        </pre>
      </DrawerBody>
    </OverlayDrawer>
  );
}
