import { Table, TableBody, TableCell, TableRow } from '@fluentui/react-components';
import { formatDuration } from '../../components/format';

/** Milliseconds per phase (a rehearsal's prediction, a switch's measured window), one row each. */
export function PhaseTable({ label, phases }: { label: string; phases: Record<string, number> }) {
  return (
    <Table size="small" aria-label={label} style={{ maxWidth: 420 }}>
      <TableBody>
        {Object.entries(phases).map(([phase, ms]) => (
          <TableRow key={phase}>
            <TableCell>{phase}</TableCell>
            <TableCell>{formatDuration(ms)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
