import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TERMINAL_TASK_STATES, type NodeDto, type TaskDto } from '@flotilla/server-node/api';
import type { MigrationCheckDto } from '../../common/contract.js';
import type { ClusterApi } from '../cluster-client/cluster-api.js';

export interface SmokeTestInput {
  /** The cluster through its balancer. */
  cluster: ClusterApi;
  /** The cluster through one node's own URL. */
  viaNode: (url: string) => ClusterApi;
  /** Each check as it ends. */
  onCheck?: (check: MigrationCheckDto) => void;
  /** How long one round of tasks may take. */
  roundTimeoutMs?: number;
}

const ROUNDS = 4;
const TASK_SLEEP_MS = 1500;

/**
 * The new cluster, used as users will use it, through the balancer: a task on every node (each must run
 * one), an old task's log read through every node (the logs moved to the share and every node finds
 * them), and a package downloaded with its checksum matched (the feed moved whole).
 */
export async function runSmokeTest(input: SmokeTestInput): Promise<MigrationCheckDto[]> {
  const checks: MigrationCheckDto[] = [];
  const record = (check: MigrationCheckDto) => {
    checks.push(check);
    input.onCheck?.(check);
  };
  const nodes = (await input.cluster.listNodes()).filter((node) => node.state === 'running');
  record(await tasksOnEveryNode(input, nodes));
  record(await oldLogThroughEveryNode(input, nodes));
  record(await packageChecksum(input));
  return checks;
}

async function tasksOnEveryNode(input: SmokeTestInput, nodes: NodeDto[]): Promise<MigrationCheckDto> {
  const title = 'A task on every node';
  const names = nodes.map((node) => node.name);
  const ran = new Set<string>();
  for (let round = 1; round <= ROUNDS && names.some((name) => !ran.has(name)); round++) {
    const ids: string[] = [];
    for (let i = 0; i < Math.max(2, names.length * 2); i++) {
      const { id } = await input.cluster.createTask({
        kind: 'noop',
        args: { sleepMs: TASK_SLEEP_MS },
        description: `migration smoke test (round ${round})`,
      });
      ids.push(id);
    }
    for (const task of await waitForTasks(input, ids)) if (task.node) ran.add(task.node);
  }
  const missing = names.filter((name) => !ran.has(name));
  return missing.length === 0 && names.length > 0
    ? check('smoke.tasks', title, 'pass', `${names.length} node(s) each ran a noop task: ${names.join(', ')}`)
    : check(
        'smoke.tasks',
        title,
        'fail',
        names.length === 0
          ? 'no node is running'
          : `${missing.join(', ')} ran none of the smoke test's tasks (ran: ${[...ran].join(', ') || 'none'})`,
        'Check on the Nodes view that every node runs undrained with a task cap above 0, then run the smoke test again.',
      );
}

async function waitForTasks(input: SmokeTestInput, ids: string[]): Promise<TaskDto[]> {
  const deadline = Date.now() + (input.roundTimeoutMs ?? 60_000);
  for (;;) {
    const tasks = await Promise.all(ids.map((id) => input.cluster.getTask(id)));
    if (tasks.every((task) => TERMINAL_TASK_STATES.includes(task.state)) || Date.now() > deadline)
      return tasks;
    await sleep(300);
  }
}

async function oldLogThroughEveryNode(input: SmokeTestInput, nodes: NodeDto[]): Promise<MigrationCheckDto> {
  const title = 'An old task log through every node';
  const finished = (await input.cluster.listTasks({ limit: 1000 })).filter((task) =>
    TERMINAL_TASK_STATES.includes(task.state),
  );
  const oldest = finished.sort((a, b) => Number(a.id) - Number(b.id))[0];
  if (!oldest) return check('smoke.old-log', title, 'warn', 'the cluster has no finished task yet', null);
  const logs = new Map<string, string>([['the balancer', await input.cluster.taskLog(oldest.id)]]);
  for (const node of nodes) logs.set(node.name, await input.viaNode(node.url).taskLog(oldest.id));
  const expected = logs.get('the balancer')!;
  const differing = [...logs].filter(([, text]) => text !== expected).map(([where]) => where);
  if (differing.length === 0 && expected.length > 0)
    return check(
      'smoke.old-log',
      title,
      'pass',
      `task ${oldest.id}'s log (${expected.length} characters) reads the same through the balancer and ${nodes.map((node) => node.name).join(', ')}`,
    );
  return check(
    'smoke.old-log',
    title,
    'fail',
    expected.length === 0
      ? `task ${oldest.id}'s log is empty through the balancer`
      : `task ${oldest.id}'s log differs through ${differing.join(', ')}`,
    'A node that reads another folder than the share is the classic cause: check `flotilla-node doctor` on it and its shared folder.',
  );
}

async function packageChecksum(input: SmokeTestInput): Promise<MigrationCheckDto> {
  const title = 'A package downloaded, its checksum matched';
  const packages = await input.cluster.listPackages();
  const oldest = packages.sort((a, b) => a.uploadedAt.localeCompare(b.uploadedAt))[0];
  if (!oldest) return check('smoke.package', title, 'warn', 'the feed has no package to download', null);
  const response = await input.cluster.downloadPackage(
    oldest.packageId,
    oldest.version,
    AbortSignal.timeout(300_000),
  );
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of response.body ?? []) {
    hash.update(chunk as Uint8Array);
    bytes += (chunk as Uint8Array).byteLength;
  }
  const sha256 = hash.digest('hex');
  const name = `${oldest.packageId} ${oldest.version}`;
  return sha256 === oldest.sha256 && bytes === oldest.sizeBytes
    ? check(
        'smoke.package',
        title,
        'pass',
        `${name}: ${bytes} bytes, sha256 ${sha256.slice(0, 16)}… as the feed lists it`,
      )
    : check(
        'smoke.package',
        title,
        'fail',
        `${name}: downloaded ${bytes} bytes with sha256 ${sha256}, the feed lists ${oldest.sizeBytes} bytes and ${oldest.sha256}`,
        'The package file on the share is not the one the feed recorded: run the verification again and compare the share with the source storage.',
      );
}

function check(
  id: string,
  title: string,
  status: MigrationCheckDto['status'],
  detail: string,
  fix: string | null = null,
): MigrationCheckDto {
  return { id, title, status, detail, fix };
}
