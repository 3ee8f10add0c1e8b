import { Body1, Caption1, tokens } from '@fluentui/react-components';
import { CheckmarkCircleRegular, DismissCircleRegular, WarningRegular } from '@fluentui/react-icons';
import type { MigrationCheckDto } from '@flotilla/electron/common/contract';

const ICONS = {
  pass: <CheckmarkCircleRegular color={tokens.colorPaletteGreenForeground1} aria-label="pass" />,
  warn: <WarningRegular color={tokens.colorPaletteDarkOrangeForeground1} aria-label="warning" />,
  fail: <DismissCircleRegular color={tokens.colorPaletteRedForeground1} aria-label="fail" />,
};

/** PASS / WARN / FAIL lines of a preflight, a verification or a smoke test, with the fix of each failure. */
export function CheckList({ checks, label }: { checks: MigrationCheckDto[]; label: string }) {
  return (
    <ul
      aria-label={label}
      style={{ listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: 4 }}
    >
      {checks.map((check, at) => (
        <li
          key={`${check.id}-${at}`}
          data-testid="migration-check"
          data-id={check.id}
          data-status={check.status}
        >
          <div style={{ display: 'flex', gap: 8, alignItems: 'baseline' }}>
            <span style={{ width: 16, flexShrink: 0 }}>{ICONS[check.status]}</span>
            <Body1 style={{ fontWeight: tokens.fontWeightSemibold, minWidth: 240 }}>{check.title}</Body1>
            <Caption1 style={{ color: tokens.colorNeutralForeground2, wordBreak: 'break-word' }}>
              {check.detail}
            </Caption1>
          </div>
          {check.fix && (
            <Caption1 block style={{ marginLeft: 24, color: tokens.colorPaletteRedForeground1 }}>
              Fix: {check.fix}
            </Caption1>
          )}
        </li>
      ))}
    </ul>
  );
}
