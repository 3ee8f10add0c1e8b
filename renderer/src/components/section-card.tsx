import { Card, CardHeader, Subtitle2, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

/** A titled panel: the building block of every view. */
export function SectionCard({
  title,
  action,
  children,
}: {
  title: string;
  action?: React.JSX.Element;
  children: ReactNode;
}) {
  return (
    // Never shrunk by the view's column: a long list beside a chart scrolls; the chart keeps its height.
    <Card style={{ padding: 16, gap: 12, boxShadow: tokens.shadow2, flexShrink: 0 }}>
      <CardHeader header={<Subtitle2>{title}</Subtitle2>} action={action} />
      {children}
    </Card>
  );
}
