import { balancerMember } from '../balancer/balancer-member.js';
import type { ClusterHttp } from '../cluster-client/cluster-http.js';
import { shellQuote as q } from '@flotilla/server-node/shell/shell-quote';
import { type SshAuth, type SshConnection } from '../ssh/index.js';
import { connectFix, connectHost } from './connect-host.js';
import { databaseClockOffset } from './database-clock.js';
import type { ProvisionHost } from './provision-host.js';
import { nodeProcess, startNodeService } from './node-service.js';
import { builtinBalancer, waitForRotation, type NodeBalancer } from './node-balancer.js';
import { runPreflight } from './preflight.js';
import { ProvisionState } from './provision-state.js';
import type { ProvisionStep } from '../../common/node-action-steps.js';
import { ProvisionError, type ProvisionEvent } from './provision-step.js';
import { runStep } from './run-step.js';
import { remoteLayout, type RemoteLayout } from './remote-layout.js';
import type { ServerBundle } from './server-bundle.js';
import {
  asServiceUser,
  resolveServiceAccount,
  SERVICE_USER_NAME_FIX,
  serviceUserNameProblem,
  type ServiceAccount,
} from './service-user.js';
import { waitUntilServing } from './wait-until-serving.js';

/** What a new node needs from its cluster. The secrets come from the vault and reach the host over stdin only. */
export interface ClusterAccess {
  clusterId: string;
  sharedDir: string;
  dbUrl: string;
  masterKey: string;
  http: ClusterHttp;
}

export interface ProvisionOptions {
  host: ProvisionHost;
  auth: SshAuth;
  bundle: ServerBundle;
  cluster: ClusterAccess;
  /** Default: the built-in balancer at the cluster URL, which finds the node in the nodes table. */
  balancer?: NodeBalancer;
  onEvent: (event: ProvisionEvent) => void;
  /** Stop once this step is done (the admin paused; tests interrupt a run). */
  stopAfter?: ProvisionStep;
  waitTimeoutMs?: number;
}

interface Run {
  options: ProvisionOptions;
  ssh: SshConnection;
  layout: RemoteLayout;
  state: ProvisionState;
  remoteArchive: string;
  /** Who the node runs as (see ServiceAccount); install.sh creates the account. */
  account: ServiceAccount;
  /** An install counts for this bundle and this service user: another user installs again. */
  installKey: string;
}

type StepOutcome = { detail: string; skipped?: boolean };

/**
 * Provisions one node on a remote host over SSH, step by step (see PROVISION_STEPS), streaming every
 * step. Idempotent and resumable: completed steps are recorded on the host and skipped on a re-run.
 * Resolves true when the node serves in the cluster, false when it stopped at `stopAfter`.
 */
export async function provisionNode(options: ProvisionOptions): Promise<boolean> {
  const { host } = options;
  // A name that is not a plain user name is refused before signing in: it never reaches the host.
  const invalid = host.serviceUser === undefined ? null : serviceUserNameProblem(host.serviceUser);
  if (invalid !== null)
    await runStep(
      options.onEvent,
      'preflight',
      () => SERVICE_USER_NAME_FIX,
      () => {
        options.onEvent({ step: 'preflight', status: 'progress', detail: `FAIL service user: ${invalid}` });
        return Promise.reject(
          new ProvisionError('preflight', `service user: ${invalid}.`, SERVICE_USER_NAME_FIX),
        );
      },
    );
  const ssh = await runStep(options.onEvent, 'connect', connectFix, async () => {
    const connection = await connectHost(host, options.auth);
    return { value: connection, detail: `signed in as ${connection.target}` };
  });
  try {
    const layout = remoteLayout(host);
    const account = await resolveServiceAccount(ssh, host.serviceUser);
    const run: Run = {
      options,
      ssh,
      layout,
      state: await ProvisionState.read(ssh, layout.stateFile),
      remoteArchive: `${layout.uploads}/${options.bundle.name}.tar.gz`,
      account,
      installKey: `${options.bundle.sha256} ${account.user}`,
    };
    for (const [name, action, fix] of STEPS) {
      await runStep(options.onEvent, name, fix, async () => ({ value: null, ...(await action(run)) }));
      if (options.stopAfter === name) return false;
    }
    return true;
  } finally {
    await ssh.close();
  }
}

const retry = (what: string) => () => `${what} Then provision again: finished steps are skipped.`;

const STEPS: [ProvisionStep, (run: Run) => Promise<StepOutcome>, (error: unknown) => string][] = [
  ['preflight', preflight, retry('Fix the failing checks listed above.')],
  ['upload', upload, retry('Check free space and write access under the install root.')],
  ['verify', verify, retry('The upload was damaged and has been removed.')],
  ['install', install, retry('Check the install output above.')],
  ['configure', configure, retry('Check write access to the node home.')],
  ['check', check, retry('Fix the failing checks listed above.')],
  ['start', start, retry('Check the node log on the host (home/node.log).')],
  ['wait', wait, retry('Check the node log quoted above.')],
  ['balancer', addToBalancer, retry('Check that the balancer is reachable.')],
];

async function preflight({ options, ssh, layout, account }: Run): Promise<StepOutcome> {
  const database = new URL(options.cluster.dbUrl);
  const checks = await runPreflight(ssh, {
    layout,
    listen: { host: options.host.node.listenHost, port: options.host.node.port },
    database: { host: database.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(database.port || 5432) },
    sharedDir: options.cluster.sharedDir,
    clusterId: options.cluster.clusterId,
    account,
    databaseOffsetMs: () => databaseClockOffset(options.cluster.http),
  });
  for (const check of checks)
    options.onEvent({
      step: 'preflight',
      status: 'progress',
      detail: `${check.ok ? (check.warning ? 'WARN' : 'PASS') : 'FAIL'} ${check.name}: ${check.detail}`,
    });
  const failed = checks.filter((check) => !check.ok);
  if (failed.length > 0)
    throw new ProvisionError(
      'preflight',
      failed.map((check) => `${check.name}: ${check.detail}.`).join(' '),
      failed.map((check) => check.fix).join(' '),
    );
  return { detail: `${checks.length} checks passed` };
}

async function upload({ options, ssh, layout, state, remoteArchive, installKey }: Run): Promise<StepOutcome> {
  const { bundle } = options;
  if (state.has('install', installKey)) return { skipped: true, detail: 'already installed' };
  const present = (await ssh.exec(`test -f ${q(remoteArchive)}`)).code === 0;
  if (present && state.has('upload', bundle.sha256))
    return { skipped: true, detail: `${remoteArchive} was uploaded before` };
  await mustExec(ssh, `mkdir -p ${q(layout.uploads)}`);
  // Uploaded under another name and renamed, so an interrupted upload never looks complete.
  const partial = `${remoteArchive}.part`;
  let reported = -1;
  await ssh.upload(bundle.archive, partial, {
    mode: 0o644,
    onProgress: (sent, total) => {
      const percent = Math.floor((sent / total) * 10) * 10;
      if (percent === reported) return;
      reported = percent;
      options.onEvent({ step: 'upload', status: 'progress', detail: `${percent}% of ${total} bytes` });
    },
  });
  await mustExec(ssh, `mv -f ${q(partial)} ${q(remoteArchive)}`);
  await state.mark('upload', bundle.sha256);
  return { detail: `${bundle.name}.tar.gz uploaded to ${remoteArchive}` };
}

async function verify({ options, ssh, state, remoteArchive, installKey }: Run): Promise<StepOutcome> {
  const { bundle } = options;
  if (state.has('install', installKey)) return { skipped: true, detail: 'already installed' };
  const remote = (await mustExec(ssh, `sha256sum ${q(remoteArchive)}`)).split(/\s+/, 1)[0];
  if (remote !== bundle.sha256) {
    await ssh.exec(`rm -f ${q(remoteArchive)}`);
    throw new Error(`The uploaded archive has SHA-256 ${remote}, expected ${bundle.sha256}.`);
  }
  return { detail: `sha256 ${bundle.sha256.slice(0, 12)}… matches` };
}

async function install(run: Run): Promise<StepOutcome> {
  const { options, ssh, layout, state, remoteArchive, account, installKey } = run;
  const { bundle } = options;
  const installArgs = `--root ${q(layout.root)} --home ${q(layout.home)} --service-user ${q(account.user)}`;
  if (state.has('install', installKey)) {
    const current = await ssh.exec(`readlink ${q(`${layout.root}/current`)}`);
    if (current.stdout.trim() === `versions/${bundle.version}`)
      return { skipped: true, detail: `version ${bundle.version} is installed for ${account.user}` };
    // Installed before but not current: the node upgraded past it and now goes back (a rollback).
    // The installed copy's own installer points current at it again.
    const output = await mustExec(
      ssh,
      `${q(`${layout.root}/versions/${bundle.version}/install.sh`)} ${installArgs}`,
      180_000,
    );
    return { detail: output.trim().split('\n').join('; ') };
  }
  const staging = `${layout.uploads}/.staging`;
  const output = await mustExec(
    ssh,
    [
      'set -e',
      `rm -rf ${q(staging)}`,
      `mkdir -p ${q(staging)}`,
      `tar -xzf ${q(remoteArchive)} -C ${q(staging)}`,
      `${q(`${staging}/${bundle.name}/install.sh`)} ${installArgs}`,
      `rm -rf ${q(staging)} ${q(remoteArchive)}`,
    ].join('\n'),
    180_000,
  );
  await state.mark('install', installKey);
  run.account = { ...account, exists: true };
  return { detail: output.trim().split('\n').join('; ') };
}

/** Always rewritten (it is cheap): the database URL or the master key may have changed since. */
async function configure({ options, ssh, layout, account }: Run): Promise<StepOutcome> {
  const { host, cluster } = options;
  const config = {
    name: host.node.name,
    listen: { host: host.node.listenHost, port: host.node.port },
    publicUrl: host.node.publicUrl,
    dbUrl: cluster.dbUrl,
    masterKey: cluster.masterKey,
  };
  const file = `${layout.home}/flotilla.json`;
  const next = `${file}.next`;
  await mustExec(
    ssh,
    [
      'set -e',
      'umask 077',
      `mkdir -p ${q(layout.home)}`,
      `cat > ${q(next)}`,
      `chmod 600 ${q(next)}`,
      // `user:` is the user and its own group.
      ...(account.root ? [`chown ${q(`${account.user}:`)} ${q(next)}`] : []),
      `mv -f ${q(next)} ${q(file)}`,
    ].join('\n'),
    30_000,
    // The secrets travel on stdin: never on a command line another user could see in `ps`.
    JSON.stringify(config, null, 2) + '\n',
  );
  return { detail: `${file} written (mode 0600, owner ${account.user})` };
}

/**
 * The node's own doctor, on the host and as the service user: it reads the config, logs in to the
 * database, checks the master key, writes the shared storage and measures the clock as the node will.
 */
async function check({ options, ssh, layout, account }: Run): Promise<StepOutcome> {
  const doctor = `${q(layout.node)} ${q(layout.cli)} doctor --home ${q(layout.home)} --json`;
  const result = await ssh.exec(`cd ${q(layout.home)} && ${asServiceUser(account, doctor)}`, {
    timeoutMs: 60_000,
  });
  let report: { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
  try {
    report = JSON.parse(result.stdout) as typeof report;
  } catch {
    throw new Error(`flotilla-node doctor failed on the host: ${(result.stderr || result.stdout).trim()}`);
  }
  for (const line of report.checks)
    options.onEvent({
      step: 'check',
      status: 'progress',
      detail: `${line.ok ? 'PASS' : 'FAIL'} ${line.name}: ${line.detail}`,
    });
  const failed = report.checks.filter((line) => !line.ok);
  if (failed.length > 0) throw new Error(failed.map((line) => `${line.name}: ${line.detail}.`).join(' '));
  return { detail: `${report.checks.length} checks passed as ${account.user}` };
}

async function start({ ssh, layout }: Run): Promise<StepOutcome> {
  const service = await startNodeService(ssh, layout);
  const how = service.mode === 'systemd' ? 'systemd unit flotilla-node' : `supervisor pid ${service.pid}`;
  return service.alreadyRunning
    ? { skipped: true, detail: `already running (${how})` }
    : { detail: `started (${how})` };
}

async function wait({ options, ssh, layout, account }: Run): Promise<StepOutcome> {
  const ping = await waitUntilServing({
    ssh,
    layout,
    http: options.cluster.http,
    node: options.host.node,
    ...(options.waitTimeoutMs === undefined ? {} : { timeoutMs: options.waitTimeoutMs }),
  });
  // Serving is not enough: the process must be the service user's, not root's.
  const node = await nodeProcess(ssh, layout);
  if (node?.user !== account.user || node.uid === 0)
    throw new ProvisionError(
      'wait',
      node
        ? `The node (pid ${node.pid}) runs as ${node.user ? `${node.user} (uid ${node.uid})` : `uid ${node.uid}`}, not as the service user ${account.user}.`
        : `The node serves, but neither systemd nor the supervisor knows its process on the host.`,
      node
        ? `Restart it (graceful restart) so that it starts as ${account.user}: a node started before provisioning created the service user runs on as it was.`
        : 'Check the node log on the host (home/node.log) and how the node was started.',
    );
  return {
    detail: `${ping.name} answers at ${options.host.node.publicUrl} (version ${ping.version}) and heartbeats, as ${node.user} (pid ${node.pid})`,
  };
}

/** Provisioned means serving users too: the step ends when the balancer sends the node traffic. */
async function addToBalancer({ options }: Run): Promise<StepOutcome> {
  const { name, publicUrl } = options.host.node;
  const balancer = options.balancer ?? builtinBalancer(options.cluster.http);
  const member = balancerMember(name, publicUrl);
  const added = await balancer.addServer(member);
  const seen = await waitForRotation(balancer, name, 'in', options.waitTimeoutMs);
  if (seen === null && !added)
    return { skipped: true, detail: 'no balancer reports its servers at the cluster URL' };
  return {
    detail: `${member.name} (${member.address}) ${added ? 'added to' : 'picked up by'} the ${balancer.kind} balancer and in rotation`,
  };
}

/** Runs a command that must succeed; its stderr becomes the error. */
async function mustExec(ssh: SshConnection, command: string, timeoutMs = 30_000, stdin?: string) {
  const result = await ssh.exec(command, { timeoutMs, ...(stdin === undefined ? {} : { stdin }) });
  if (result.code !== 0)
    throw new Error((result.stderr || result.stdout).trim() || `exit code ${String(result.code)}`);
  return result.stdout;
}
