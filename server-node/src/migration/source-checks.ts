import type { MigrationCheckDto } from '../api/index.js';
import { schemaVersion } from '../db/migrate.js';
import { LATEST_SCHEMA_VERSION } from '../db/migrations/index.js';
import type pg from 'pg';
import { VERSION } from '../version.js';
import { fail, pass } from './check.js';

// Preflight of the source: a standalone node (embedded database — readStandalone already refused
// anything else) of this very version, alone in its cluster. Moving and upgrading at once is the
// reference product's classic failure: upgrade first, migrate after.

export async function checkSource(db: pg.Pool, node: string): Promise<MigrationCheckDto[]> {
  const checks: MigrationCheckDto[] = [
    pass('source.standalone', 'Source is a standalone node', `node '${node}', embedded PostgreSQL`),
  ];
  const version = await schemaVersion(db);
  checks.push(
    version === LATEST_SCHEMA_VERSION
      ? pass('source.schema', 'Source schema is this version’s', `schema version ${version}`)
      : fail(
          'source.schema',
          'Source schema is this version’s',
          `the source schema is version ${version}, this flotilla-node ${VERSION} expects ${LATEST_SCHEMA_VERSION}`,
          version < LATEST_SCHEMA_VERSION
            ? 'Upgrade the standalone node to this version and start it once (it migrates its schema), then migrate: never move and upgrade at once.'
            : 'Run the migration with the flotilla-node version the standalone node runs.',
        ),
  );
  const nodes = await db.query<{ name: string; version: string; state: string }>(
    `select name, version, state from node_status order by name`,
  );
  const others = nodes.rows.filter(
    (row) => row.name !== node && (row.state === 'running' || row.state === 'draining'),
  );
  checks.push(
    others.length === 0
      ? pass(
          'source.alone',
          'No other node runs on the source',
          `${nodes.rows.length} node row(s), none other alive`,
        )
      : fail(
          'source.alone',
          'No other node runs on the source',
          `other nodes are alive on the embedded database: ${others.map((row) => row.name).join(', ')}`,
          'Stop them first: an embedded database serves one node only.',
        ),
  );
  const self = nodes.rows.find((row) => row.name === node);
  checks.push(
    !self || self.version === VERSION
      ? pass('source.version', 'Node runs this version', `flotilla-node ${VERSION}`)
      : fail(
          'source.version',
          'Node runs this version',
          `node '${node}' last ran ${self.version}; this is ${VERSION}`,
          'Run the migration with the same flotilla-node version as the node (upgrade the node first if it is older).',
        ),
  );
  return checks;
}
