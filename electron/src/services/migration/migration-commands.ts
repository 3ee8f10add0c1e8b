import { MIGRATION_TARGET_DB_ENV } from '@flotilla/server-node/api';
import { shellCommand, shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import type { MigrationCommandsDto, MigrationPlanDto, MigrationWizardStep } from '../../common/contract.js';
import { peerCheckScript } from './peer-checks.js';

/** The engine's commands the wizard runs on the source host. */
export type EngineStep = 'preflight' | 'precopy' | 'switch' | 'verify' | 'finalize' | 'rollback' | 'status';

/** The steps that read the target URL (from the environment, never from the command line). */
const NEEDS_TARGET: ReadonlySet<EngineStep> = new Set(['preflight', 'precopy', 'switch', 'rollback']);

export function needsTarget(step: EngineStep): boolean {
  return NEEDS_TARGET.has(step);
}

export interface EngineArgsInput {
  home: string;
  sharedDir: string | null;
  /** Nodes the cluster will have (the source and the planned ones), for the connection check. */
  plannedNodes: number;
  force?: boolean;
}

/**
 * The engine's arguments for a step: what the wizard runs (with --json) and what "Show the commands"
 * prints (without it), from this one function, so the two never differ.
 */
export function engineArgs(step: EngineStep, input: EngineArgsInput, json = true): string[] {
  const home = ['--home', input.home];
  const shared = input.sharedDir ? ['--shared', input.sharedDir] : [];
  const args: Record<EngineStep, string[]> = {
    preflight: [...home, ...shared, '--nodes', String(Math.max(1, input.plannedNodes))],
    precopy: [...home, ...shared],
    switch: [...home, ...shared, '--start'],
    verify: home,
    finalize: home,
    rollback: [...home, ...(input.force ? ['--force'] : []), '--start'],
    status: home,
  };
  return ['migrate', step, ...args[step], ...(json ? ['--json'] : [])];
}

/** What "Show the commands" needs to know about where things run. */
export interface CommandsContext {
  plan: MigrationPlanDto;
  /** The source host ("this machine" or user@host:port) and its CLI. */
  source: { where: string; cli: readonly string[] } | null;
  /** The planned node hosts as the inventory names them. */
  nodeHosts: { hostId: string; where: string; address: string }[];
  /** The nonce of the last preflight on the source, for the other hosts' check. */
  nonce: string | null;
  /** host:port of the target database (from its URL; never the password). */
  database: { host: string; port: number } | null;
  /** The cluster URL once the balancer is up (the smoke test goes through it). */
  clusterUrl: string;
}

const readTarget = `read -rs ${MIGRATION_TARGET_DB_ENV} && export ${MIGRATION_TARGET_DB_ENV}   # paste the target URL, postgres://USER:PASSWORD@HOST:PORT/DB (not shown)`;

/**
 * "Show the commands": the exact lines per host that do what the wizard's step does, so an admin can
 * run it by hand; the wizard reads the engine's journal and carries on from wherever that got to.
 * Secrets are read into environment variables (`read -rs`), never written on a command line.
 */
export function stepCommands(step: MigrationWizardStep, context: CommandsContext): MigrationCommandsDto {
  const { plan, source } = context;
  const home = plan.source?.home ?? 'HOME';
  const input: EngineArgsInput = {
    home,
    sharedDir: plan.sharedDir,
    plannedNodes: plan.nodes.length + 1,
  };
  const where = source?.where ?? 'the source host';
  const cli = source?.cli ?? ['flotilla-node'];
  const engine = (engineStep: EngineStep, extra: Partial<EngineArgsInput> = {}) =>
    shellCommand([...cli, ...engineArgs(engineStep, { ...input, ...extra }, false)]);
  const onSource = (lines: string[]) => ({ where: `${where} (the standalone)`, lines });
  const withTarget = (engineStep: EngineStep, extra: Partial<EngineArgsInput> = {}) => [
    readTarget,
    engine(engineStep, extra),
  ];
  const notes = [
    'The console runs the same commands with --json and reads their progress; run by hand, each one is journalled in the home, and the wizard picks up from the journal.',
  ];

  switch (step) {
    case 'source':
      return { step, hosts: [onSource([engine('status')])], notes };
    case 'target':
    case 'shared':
    case 'nodes':
    case 'balancer':
    case 'preflight':
      return {
        step,
        hosts: [
          onSource(withTarget('preflight')),
          ...context.nodeHosts.map((host) => ({
            where: host.where,
            lines: peerCheckScript({
              sharedDir: plan.sharedDir ?? 'SHARED',
              nonce: context.nonce ?? 'NONCE',
              database: context.database ?? { host: 'DB-HOST', port: 5432 },
            }),
          })),
        ],
        notes: [
          ...notes,
          'Every other host checks that it reaches the target database and reads back, from the shared folder, the nonce the source wrote there (a local folder at the same path would not have it). Where flotilla-node is installed, `flotilla-node migrate preflight --peer --shared DIR --nonce NONCE` does the same.',
        ],
      };
    case 'precopy':
    case 'rehearsal':
      return {
        step,
        hosts: [onSource(withTarget('precopy'))],
        notes: [
          ...notes,
          'The precopy copies the files while the standalone serves, then rehearses the database copy into a scratch schema and predicts the window.',
        ],
      };
    case 'switch':
      return {
        step,
        hosts: [onSource(withTarget('switch'))],
        notes: [
          ...notes,
          'The window starts here: maintenance on, drain, stop, delta and database copy, verify, start on the new database.',
        ],
      };
    case 'verify':
      return { step, hosts: [onSource([engine('verify')])], notes };
    case 'provision':
      return {
        step,
        hosts: [
          ...(plan.balancer?.kind === 'builtin'
            ? [
                onSource([
                  `setsid nohup ${shellCommand([...cli, 'balance', '--listen', `${plan.balancer.listenHost}:${plan.balancer.port}`, '--home', home])} >>${q(`${home}/balancer.log`)} 2>&1 </dev/null &`,
                ]),
              ]
            : []),
          ...plan.nodes.map((node) => {
            const host = context.nodeHosts.find((candidate) => candidate.hostId === node.hostId);
            const root = node.installRoot;
            return {
              where: host?.where ?? node.hostId,
              lines: [
                `tar -xzf flotilla-node-VERSION-linux-x64.tar.gz && ./flotilla-node-VERSION-linux-x64/install.sh --root ${q(root)} --home ${q(`${root}/home`)} --service-user flotilla`,
                `read -rs FLOTILLA_MASTER_KEY   # paste masterKey from the source's flotilla.json (not shown)`,
                readTarget,
                [
                  `umask 077 && cat > ${q(`${root}/home/flotilla.json`)} <<EOF`,
                  JSON.stringify({
                    name: node.nodeName,
                    listen: { host: node.listenHost, port: node.port },
                    publicUrl: node.publicUrl,
                    dbUrl: `$${MIGRATION_TARGET_DB_ENV}`,
                    masterKey: '$FLOTILLA_MASTER_KEY',
                  }),
                  'EOF',
                  `chown flotilla: ${q(`${root}/home/flotilla.json`)}`,
                ].join('\n'),
                `runuser -u flotilla -- ${shellCommand([`${root}/current/node/bin/node`, `${root}/current/server/flotilla-node.mjs`, 'doctor', '--home', `${root}/home`])}`,
                `systemctl enable --now flotilla-node   # or: setsid nohup ${shellCommand([`${root}/current/flotilla-supervise.sh`, '--root', root, '--home', `${root}/home`])} </dev/null >/dev/null 2>&1 &`,
              ],
            };
          }),
        ],
        notes: [
          'The console does this with its provisioning service (Hosts view): upload, verify, install as the service user, config (0600, secrets over stdin), doctor, start, and into the balancer’s rotation.',
        ],
      };
    case 'smoke':
      return {
        step,
        hosts: [
          {
            where: 'any machine that reaches the balancer',
            lines: [
              'read -rs FLOTILLA_API_KEY && export FLOTILLA_API_KEY   # an administrator API key (not shown)',
              `for i in 1 2 3 4; do curl -fsS -X POST -H "Authorization: Bearer $FLOTILLA_API_KEY" -H 'content-type: application/json' -d '{"kind":"noop","args":{"sleepMs":1500}}' ${q(`${context.clusterUrl}/api/tasks`)}; done`,
              `curl -fsS -H "Authorization: Bearer $FLOTILLA_API_KEY" ${q(`${context.clusterUrl}/api/tasks?limit=20`)}   # each node ran one`,
              `curl -fsS -H "Authorization: Bearer $FLOTILLA_API_KEY" ${q(`${context.clusterUrl}/api/tasks/OLD_TASK_ID/log`)}   # through every node's own URL too`,
              `curl -fsS -H "Authorization: Bearer $FLOTILLA_API_KEY" -o package ${q(`${context.clusterUrl}/api/packages/ID/VERSION/download`)} && sha256sum package`,
            ],
          },
        ],
        notes: ['Compare the checksum with the sha256 the feed lists for the package (GET /api/packages).'],
      };
    case 'finish':
      return {
        step,
        hosts: [onSource([engine('finalize')]), onSource([readTarget, engine('rollback')])],
        notes: [
          ...notes,
          'finalize archives the embedded database (with a .sha256) and removes the way back; rollback, any time before finalize, brings the standalone back as it was at the switch (add --force when the new cluster has done work since: it is lost).',
        ],
      };
  }
}
