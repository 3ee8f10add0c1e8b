import { Badge, Button, Tooltip } from '@fluentui/react-components';
import { useDiagnostics } from '../../hooks/use-diagnostics';
import { useNavStore } from '../../stores/nav-store';

/** The cluster check's count of findings, coloured by the worst; it opens the Diagnostics view. */
export function FindingsBadge() {
  const { data, denied } = useDiagnostics();
  const go = useNavStore((state) => state.go);
  if (denied || !data) return null;
  const count = data.findings.length;
  const worst = data.findings[0]?.severity;
  const color = worst === 'error' ? 'danger' : worst === 'warning' ? 'warning' : 'success';
  return (
    <Tooltip content="The cluster check: open Diagnostics" relationship="description">
      <Button appearance="subtle" onClick={() => go('diagnostics')} data-testid="findings-badge">
        <Badge appearance="filled" color={color} size="large" data-testid="findings-count">
          {count}
        </Badge>
        &nbsp;{count === 1 ? 'finding' : 'findings'}
      </Button>
    </Tooltip>
  );
}
