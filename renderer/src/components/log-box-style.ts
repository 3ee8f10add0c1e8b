import { tokens } from '@fluentui/react-components';
import type { CSSProperties } from 'react';

/** A log's text: monospaced, wrapped, scrolling in its own box (task logs, node logs). */
export const LOG_BOX_STYLE: CSSProperties = {
  margin: 0,
  padding: 12,
  overflow: 'auto',
  fontFamily: tokens.fontFamilyMonospace,
  fontSize: 12,
  background: tokens.colorNeutralBackground3,
  borderRadius: tokens.borderRadiusMedium,
  whiteSpace: 'pre-wrap',
};
