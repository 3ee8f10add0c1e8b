import { Title3 } from '@fluentui/react-components';
import type { ReactNode } from 'react';

/** The view's name as the page's one top-level heading, so screen readers can jump to it. */
export function ViewTitle({ children, grow = false }: { children: ReactNode; grow?: boolean }) {
  return (
    <Title3 as="h1" style={{ margin: 0, ...(grow ? { flexGrow: 1 } : {}) }}>
      {children}
    </Title3>
  );
}
