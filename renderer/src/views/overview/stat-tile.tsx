import { Caption1, Card, Text, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

/** One big figure with its label and a line of detail. */
export function StatTile({
  label,
  value,
  detail,
  testId,
}: {
  label: string;
  value: ReactNode;
  detail?: ReactNode;
  testId?: string;
}) {
  return (
    <Card style={{ padding: 16, minWidth: 180, flex: 1, boxShadow: tokens.shadow2 }} data-testid={testId}>
      <Caption1
        style={{ color: tokens.colorNeutralForeground3, textTransform: 'uppercase', letterSpacing: 0.4 }}
      >
        {label}
      </Caption1>
      <Text size={800} weight="semibold" data-testid={testId ? `${testId}-value` : undefined}>
        {value}
      </Text>
      {detail && <Caption1 style={{ color: tokens.colorNeutralForeground2 }}>{detail}</Caption1>}
    </Card>
  );
}
