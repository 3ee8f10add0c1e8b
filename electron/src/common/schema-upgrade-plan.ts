import {
  compareVersions,
  describeNodes,
  nodesOlderThan,
  noLongerServes,
  type NodeDto,
  type SchemaMigrationDto,
  type SchemaNodeDto,
  type SchemaStateDto,
} from '@flotilla/server-node/api';

// What a rolling upgrade does to the database schema, worked out before it starts (the rolling dialog
// shows it, the roll reports it) and the one-line schema state the roll shows beside each node's version.

export interface SchemaPlanStep {
  migration: SchemaMigrationDto;
  /**
   * runs: the first node to start the new version applies it. after-roll: a contract that runs once
   * the roll has upgraded the old nodes it upgrades. waits: a contract held back by old nodes this
   * roll does not upgrade, until they are upgraded or stopped (the cluster serves meanwhile).
   */
  outcome: 'runs' | 'after-roll' | 'waits';
  /** The live nodes older than a contract's compatibleFrom. */
  heldBy: SchemaNodeDto[];
  /** Of those, the ones the roll leaves as they are. */
  heldAfterRoll: SchemaNodeDto[];
}

export interface SchemaPlan {
  version: string;
  /** The migrations the version brings that the cluster has not applied, in order. */
  steps: SchemaPlanStep[];
  /** Set when the version may not run on this schema at all (a contract removed what it uses). */
  refusal: string | null;
}

export function planSchemaUpgrade(input: {
  version: string;
  migrations: readonly SchemaMigrationDto[];
  schema: SchemaStateDto | null;
  nodes: readonly Pick<NodeDto, 'name' | 'version' | 'state'>[];
  /** The nodes the roll upgrades. */
  rolled: readonly string[];
}): SchemaPlan {
  const { schema } = input;
  const applied = new Set(schema?.applied.map((migration) => migration.version) ?? []);
  const alive = input.nodes
    .filter((node) => node.state === 'running' || node.state === 'draining')
    .map(({ name, version }) => ({ name, version }));
  const compatibleFrom = schema?.compatibleFrom ?? null;
  const contract =
    compatibleFrom && compareVersions(input.version, compatibleFrom) < 0
      ? schema?.applied.findLast((m) => m.kind === 'contract' && m.compatibleFrom === compatibleFrom)
      : undefined;
  const refusal =
    compatibleFrom && contract
      ? `${noLongerServes(input.version, { name: contract.name, compatibleFrom })}: roll out a bundle of ${compatibleFrom} or later instead.`
      : null;
  const steps = input.migrations
    .filter((migration) => !applied.has(migration.version))
    .map((migration): SchemaPlanStep => {
      const heldBy =
        migration.kind === 'contract' && migration.compatibleFrom
          ? nodesOlderThan(alive, migration.compatibleFrom)
          : [];
      const heldAfterRoll = heldBy.filter((node) => !input.rolled.includes(node.name));
      const outcome = heldAfterRoll.length > 0 ? 'waits' : heldBy.length > 0 ? 'after-roll' : 'runs';
      return { migration, outcome, heldBy, heldAfterRoll };
    });
  return { version: input.version, steps, refusal };
}

/** "contract 007-drop-cancel-requested: waits for node-1 (0.1.0), which this roll does not upgrade …" */
export function describePlanStep(step: SchemaPlanStep): string {
  const { migration } = step;
  const head = `${migration.kind} ${migration.name}`;
  if (migration.kind === 'expand') return `${head}: runs while the older nodes keep serving`;
  const needs = `every node must run ${migration.compatibleFrom} or later`;
  switch (step.outcome) {
    case 'runs':
      return `${head}: runs at once (${needs}, and every node does)`;
    case 'after-roll':
      return `${head}: runs once the roll has upgraded ${describeNodes(step.heldBy)} (${needs})`;
    case 'waits':
      return (
        `${head}: waits for ${describeNodes(step.heldAfterRoll)}, which this roll does not upgrade (${needs}); ` +
        'the cluster serves meanwhile, and the contract runs once they are upgraded or stopped'
      );
  }
}

/** "schema 6, serves 0.1.0 and later; contract 007-… waits for node-1 (0.1.0)": the schema in one line. */
export function describeSchemaState(schema: SchemaStateDto): string {
  const parts = [
    `schema ${schema.version}${schema.compatibleFrom ? `, serves ${schema.compatibleFrom} and later` : ''}`,
  ];
  for (const pending of schema.pending)
    parts.push(
      pending.state === 'running'
        ? `${pending.name} under way on ${pending.node} (${pending.detail})`
        : pending.heldBy.length > 0
          ? `contract ${pending.name} waits for ${describeNodes(pending.heldBy)}`
          : `contract ${pending.name} about to run`,
    );
  return parts.join('; ');
}
