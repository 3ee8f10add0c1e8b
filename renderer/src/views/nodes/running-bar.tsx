import { Caption1, ProgressBar } from '@fluentui/react-components';

/** Running tasks against the cap, as a bar with the figures beside it. */
export function RunningBar({ running, cap }: { running: number; cap: number }) {
  const ratio = cap === 0 ? 0 : Math.min(1, running / cap);
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 8, minWidth: 120 }}>
      <ProgressBar
        value={ratio}
        thickness="large"
        color={ratio >= 1 ? 'warning' : 'brand'}
        aria-label={`${running} of ${cap} task slots in use`}
        style={{ flex: 1 }}
      />
      <Caption1 data-testid="running-of-cap" style={{ minWidth: 40, textAlign: 'right' }}>
        {running} / {cap}
      </Caption1>
    </div>
  );
}
