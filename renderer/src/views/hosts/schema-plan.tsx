import {
  Badge,
  Body1,
  Caption1,
  MessageBar,
  MessageBarBody,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import {
  describePlanStep,
  describeSchemaState,
  planSchemaUpgrade,
} from '@flotilla/electron/common/schema-upgrade-plan';
import { NodeStateBadge } from '../../components/node-state-badge';
import { useProvisioningSettings } from '../../hooks/use-hosts';
import { useSnapshot } from '../../hooks/use-snapshot';

/**
 * Before a rolling upgrade: the migrations the console's bundle brings that the cluster lacks, with
 * their kinds, and a warning for each contract that will wait for nodes the roll does not upgrade.
 */
export function SchemaPlanNotice({ rolled }: { rolled: string[] }) {
  const bundle = useProvisioningSettings().data?.bundle ?? null;
  const snapshot = useSnapshot().data;
  if (!bundle) return null;
  if (!bundle.migrations)
    return (
      <Caption1 block>
        {bundle.file} does not list its migrations: the roll cannot say what it changes.
      </Caption1>
    );
  const plan = planSchemaUpgrade({
    version: bundle.version,
    migrations: bundle.migrations,
    schema: snapshot?.cluster?.schema ?? null,
    nodes: snapshot?.nodes ?? [],
    rolled,
  });
  const waits = plan.steps.filter((step) => step.outcome === 'waits');
  return (
    <div data-testid="schema-plan" style={{ display: 'flex', flexDirection: 'column', gap: 6 }}>
      <Body1 block>
        {plan.steps.length === 0
          ? `${bundle.version} brings no schema change this cluster lacks.`
          : `${bundle.version} brings ${plan.steps.length} schema migration(s):`}
      </Body1>
      {plan.steps.length > 0 && (
        <ul style={{ margin: 0, paddingLeft: 18 }}>
          {plan.steps.map((step) => (
            <li key={step.migration.version} data-testid="schema-plan-step" data-kind={step.migration.kind}>
              <Badge
                appearance="tint"
                color={
                  step.migration.kind === 'expand'
                    ? 'informative'
                    : step.outcome === 'waits'
                      ? 'warning'
                      : 'brand'
                }
                style={{ marginRight: 6 }}
              >
                {step.migration.kind}
              </Badge>
              <Caption1>{describePlanStep(step).replace(`${step.migration.kind} `, '')}</Caption1>
            </li>
          ))}
        </ul>
      )}
      {waits.length > 0 && (
        <MessageBar intent="warning" data-testid="schema-plan-waits">
          <MessageBarBody>
            {waits.length === 1 ? 'A contract migration' : `${waits.length} contract migrations`} will wait
            for nodes this roll does not upgrade: upgrade or stop them afterwards. The cluster keeps serving
            meanwhile.
          </MessageBarBody>
        </MessageBar>
      )}
      {plan.refusal && (
        <MessageBar intent="error" data-testid="schema-plan-refusal">
          <MessageBarBody>{plan.refusal}</MessageBarBody>
        </MessageBar>
      )}
    </div>
  );
}

/** During a rolling upgrade: every node's version with the schema's state, as they change. */
export function SchemaStrip() {
  const snapshot = useSnapshot().data;
  const schema = snapshot?.cluster?.schema;
  if (!snapshot || !schema) return null;
  const holding = new Set(schema.pending.flatMap((pending) => pending.heldBy.map((node) => node.name)));
  const migrating = new Map(
    schema.pending.filter((pending) => pending.state === 'running').map((pending) => [pending.node, pending]),
  );
  return (
    <div data-testid="schema-strip">
      <Caption1 block data-testid="schema-state">
        {describeSchemaState(schema)}
      </Caption1>
      <Table size="extra-small" aria-label="Node versions and the schema">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Node</TableHeaderCell>
            <TableHeaderCell>Version</TableHeaderCell>
            <TableHeaderCell>State</TableHeaderCell>
            <TableHeaderCell>Schema</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {snapshot.nodes.map((node) => {
            const running = migrating.get(node.name);
            return (
              <TableRow key={node.name} data-testid="schema-node" data-node={node.name}>
                <TableCell>{node.name}</TableCell>
                <TableCell>{node.version}</TableCell>
                <TableCell>
                  <NodeStateBadge state={node.state} />
                </TableCell>
                <TableCell>
                  <Caption1>
                    {running
                      ? `migrating ${running.name}: ${running.detail}`
                      : holding.has(node.name)
                        ? `holds back ${schema.pending
                            .filter((pending) => pending.heldBy.some((held) => held.name === node.name))
                            .map((pending) => pending.name)
                            .join(', ')}`
                        : `schema ${schema.version}`}
                  </Caption1>
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
}
