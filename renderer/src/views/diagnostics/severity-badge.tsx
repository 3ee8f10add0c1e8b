import { Badge } from '@fluentui/react-components';
import type { DiagnosticFinding } from '@flotilla/electron/common/contract';

const COLOR = { error: 'danger', warning: 'warning', info: 'informative' } as const;

export function SeverityBadge({ severity }: { severity: DiagnosticFinding['severity'] }) {
  return (
    <Badge appearance="filled" color={COLOR[severity]}>
      {severity}
    </Badge>
  );
}
