import type { SchemaMigrationDto, SchemaStateDto } from '@flotilla/server-node/api';
import { describe, expect, it } from 'vitest';
import { describePlanStep, describeSchemaState, planSchemaUpgrade } from './schema-upgrade-plan.js';

const migration = (
  version: number,
  name: string,
  kind: 'expand' | 'contract',
  release: string,
  compatibleFrom: string | null = null,
): SchemaMigrationDto => ({ version, name, kind, release, compatibleFrom });

const INITIAL = migration(1, '001-initial', 'expand', '0.1.0');
const EXPAND = migration(5, '005-cancel-requested-at', 'expand', '0.2.0');
const CONTRACT = migration(7, '007-drop-cancel-requested', 'contract', '0.3.0', '0.2.0');

const schema = (applied: SchemaMigrationDto[], compatibleFrom: string | null = null): SchemaStateDto => ({
  version: applied.at(-1)?.version ?? 0,
  compatibleFrom,
  applied: applied.map((m) => ({ ...m, appliedAt: '2026-12-01T00:00:00.000Z' })),
  pending: [],
});
const node = (name: string, version: string, state: 'running' | 'draining' | 'offline' = 'running') => ({
  name,
  version,
  state,
});

describe('what a rolling upgrade does to the schema', () => {
  it('lists what the bundle brings that the cluster lacks, with kinds', () => {
    const plan = planSchemaUpgrade({
      version: '0.3.0',
      migrations: [INITIAL, EXPAND, CONTRACT],
      schema: schema([INITIAL]),
      nodes: [node('a', '0.2.0'), node('b', '0.2.0')],
      rolled: ['a', 'b'],
    });
    expect(plan.refusal).toBeNull();
    expect(plan.steps.map((step) => [step.migration.name, step.outcome])).toEqual([
      ['005-cancel-requested-at', 'runs'],
      ['007-drop-cancel-requested', 'runs'],
    ]);
    expect(describePlanStep(plan.steps[0]!)).toBe(
      'expand 005-cancel-requested-at: runs while the older nodes keep serving',
    );
  });

  it('says a contract waits until the roll passed the old nodes, or for old nodes it leaves alone', () => {
    const plan = planSchemaUpgrade({
      version: '0.3.0',
      migrations: [INITIAL, EXPAND, CONTRACT],
      schema: schema([INITIAL, EXPAND]),
      nodes: [
        node('a', '0.1.0'),
        node('b', '0.2.0'),
        node('old', '0.1.0', 'draining'),
        node('gone', '0.1.0', 'offline'),
      ],
      rolled: ['a', 'b'],
    });
    const [contract] = plan.steps;
    expect(contract).toMatchObject({
      outcome: 'waits',
      heldBy: [
        { name: 'a', version: '0.1.0' },
        { name: 'old', version: '0.1.0' },
      ],
      heldAfterRoll: [{ name: 'old', version: '0.1.0' }],
    });
    expect(describePlanStep(contract!)).toBe(
      'contract 007-drop-cancel-requested: waits for old (0.1.0), which this roll does not upgrade ' +
        '(every node must run 0.2.0 or later); the cluster serves meanwhile, and the contract runs once they are upgraded or stopped',
    );
    const covered = planSchemaUpgrade({
      version: '0.3.0',
      migrations: [CONTRACT],
      schema: schema([INITIAL, EXPAND]),
      nodes: [node('a', '0.1.0'), node('b', '0.2.0')],
      rolled: ['a', 'b'],
    });
    expect(describePlanStep(covered.steps[0]!)).toBe(
      'contract 007-drop-cancel-requested: runs once the roll has upgraded a (0.1.0) (every node must run 0.2.0 or later)',
    );
  });

  it('refuses a version the schema no longer serves, saying which to install', () => {
    const contracted = { ...CONTRACT, version: 7 };
    const plan = planSchemaUpgrade({
      version: '0.1.0',
      migrations: [INITIAL],
      schema: schema([INITIAL, EXPAND, contracted], '0.2.0'),
      nodes: [node('a', '0.3.0')],
      rolled: ['a'],
    });
    expect(plan.refusal).toBe(
      'The database schema no longer serves flotilla-node 0.1.0: contract migration 007-drop-cancel-requested removed ' +
        'what versions before 0.2.0 use. Install flotilla-node 0.2.0 or later: roll out a bundle of 0.2.0 or later instead.',
    );
  });

  it('puts the schema in one line: version, what it serves, what runs or waits', () => {
    expect(
      describeSchemaState({
        ...schema([INITIAL, EXPAND], '0.1.0'),
        pending: [
          {
            ...CONTRACT,
            state: 'waiting',
            node: 'a',
            since: '2026-12-01T00:00:00.000Z',
            detail: '',
            heldBy: [{ name: 'old', version: '0.1.0' }],
          },
        ],
      }),
    ).toBe('schema 5, serves 0.1.0 and later; contract 007-drop-cancel-requested waits for old (0.1.0)');
  });
});
