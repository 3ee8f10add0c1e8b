// The database schema's state as the cluster reports it (GET /api/cluster `schema`, `doctor --json`),
// and the rules the server and the console share to read it: how versions compare, and which live
// nodes hold a contract migration back.

/**
 * expand: additive (new tables, nullable or defaulted columns, indexes built concurrently, batched
 * backfills); nodes of the previous release keep running beside it.
 * contract: removes or tightens something (drops, a finished rename, NOT NULL after a backfill); it
 * runs only once no live node is older than its `compatibleFrom`.
 */
export type MigrationKind = 'expand' | 'contract';

/** One migration as a build carries it, or as the schema records it once applied. */
export interface SchemaMigrationDto {
  version: number;
  name: string;
  kind: MigrationKind;
  /** The first release of flotilla-node that carries it. */
  release: string;
  /** Contract only: the oldest node version that never uses what it removes. */
  compatibleFrom: string | null;
}

export interface AppliedMigrationDto extends SchemaMigrationDto {
  appliedAt: string;
}

export interface SchemaNodeDto {
  name: string;
  version: string;
}

/** A migration begun but not applied: one node runs it now, or a contract waits for old nodes. */
export interface PendingMigrationDto extends SchemaMigrationDto {
  state: 'running' | 'waiting';
  /** The node running it, or the last one that found the contract held back. */
  node: string;
  since: string;
  /** What it is doing ("backfill: 12000 of 20000 rows") or why it waits. */
  detail: string;
  /** For a waiting contract: the live nodes older than its compatibleFrom, which hold it back. */
  heldBy: SchemaNodeDto[];
}

export interface SchemaStateDto {
  /** The highest migration applied. */
  version: number;
  /** The oldest node version the schema still serves (set by the last contract); null: every version. */
  compatibleFrom: string | null;
  applied: AppliedMigrationDto[];
  pending: PendingMigrationDto[];
}

/**
 * Compares two release versions by major.minor.patch (a pre-release suffix counts as its release, so
 * 0.2.0-rc.1 carries 0.2.0's migrations). Negative when a < b, 0 when equal, positive when a > b; a
 * version that does not parse counts as 0.0.0, the oldest there is.
 */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) => {
    const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
    return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  };
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** The nodes among `alive` that are older than `compatibleFrom`: a contract with it waits for them. */
export function nodesOlderThan<T extends SchemaNodeDto>(alive: readonly T[], compatibleFrom: string): T[] {
  return alive.filter((node) => compareVersions(node.version, compatibleFrom) < 0);
}

/** "node-1 (0.1.0), node-2 (0.1.0)": how messages name nodes holding a contract back. */
export function describeNodes(nodes: readonly SchemaNodeDto[]): string {
  return nodes.map((node) => `${node.name} (${node.version})`).join(', ');
}

/**
 * Why a node of `version` may not run on the schema once `contract` ran: the start of every such
 * message (the node's refusal, doctor's, the console's), naming the version to install.
 */
export function noLongerServes(version: string, contract: { name: string; compatibleFrom: string }): string {
  return (
    `The database schema no longer serves flotilla-node ${version}: contract migration ${contract.name} ` +
    `removed what versions before ${contract.compatibleFrom} use. Install flotilla-node ${contract.compatibleFrom} or later`
  );
}
