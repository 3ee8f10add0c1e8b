import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { insertAuditEntry } from '../../audit/audit-rows.js';
import { readNodeConfig } from '../../config/node-config.js';
import { connectOrExplain, createPool } from '../../db/pool.js';
import { updateNode } from '../../sql/node-lifecycle.js';
import { getNode, reportNodeStates } from '../../sql/node-rows.js';
import { cancelTask, listTasks } from '../../sql/task-rows.js';
import { UserError } from '../../user-error.js';
import type { CommandSpec } from '../args.js';
import { boolOption, intOption, parseCommandArgs } from '../args.js';

export const nodeSpec: CommandSpec = {
  name: 'node',
  summary:
    'Change this node in the cluster: task cap, drain; optionally wait until its running tasks are done.',
  options: {
    home: { type: 'string', required: true, help: 'the node home directory' },
    'task-cap': { type: 'string', help: 'tasks this node runs at once (0 = serves the UI and API only)' },
    drain: {
      type: 'string',
      help: 'true: finish running tasks, take no new ones, ping answers 503; false: undo',
    },
    wait: { type: 'string', help: 'seconds to wait for running tasks to finish (with --drain true)' },
    'cancel-tasks': { type: 'boolean', help: 'cancel tasks still running after --wait' },
  },
};

/** Seconds allowed for canceled tasks to stop after --cancel-tasks. */
const CANCEL_WAIT_SECONDS = 30;

export async function nodeCommand(argv: string[]): Promise<number> {
  const args = parseCommandArgs(nodeSpec, argv);
  if (!args) return 0;
  const taskCap = intOption(args['task-cap'], 'task-cap', 0, 1000);
  const drain = boolOption(args.drain, 'drain');
  const wait = intOption(args.wait, 'wait', 0, 86_400);
  const cancelTasks = args['cancel-tasks'] === true;
  if (taskCap === undefined && drain === undefined && wait === undefined && !cancelTasks) {
    throw new UserError('Nothing to do: give --task-cap, --drain, --wait or --cancel-tasks.');
  }
  const config = await readNodeConfig(args.home as string);
  const actor = `cli@${hostname()} (${userInfo().username})`;
  const pool = createPool(config.dbUrl, { max: 2 });
  try {
    await connectOrExplain(pool, config.dbUrl);
    if (taskCap !== undefined || drain !== undefined) {
      if (!(await updateNode(pool, config.name, { drain, taskCap }, actor))) {
        throw new UserError(`Node '${config.name}' is not registered in the cluster yet; run it once first.`);
      }
      // The CLI writes to the database directly, so it records its own audit entry, as the API does.
      const action = drain === undefined ? 'node.update' : drain ? 'node.drain' : 'node.undrain';
      await insertAuditEntry(pool, { actor, action, target: config.name, details: { drain, taskCap } });
      await reportNodeStates(pool);
    }
    const node = await getNode(pool, config.name);
    console.log(`${config.name}: ${node?.state}, task cap ${node?.taskCap}, ${node?.runningTasks} running`);
    if (wait === undefined && !cancelTasks) return 0;

    // Counted only: no task's args are shown.
    const running = async () =>
      listTasks(pool, { state: 'executing', node: config.name, limit: 1000 }, 'viewer');
    const waitUntilEmpty = async (seconds: number): Promise<boolean> => {
      const deadline = Date.now() + seconds * 1000;
      for (;;) {
        const tasks = await running();
        if (tasks.length === 0) return true;
        const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        console.log(`${config.name}: ${tasks.length} task(s) still running (${left} s left)`);
        if (Date.now() >= deadline) return false;
        await sleep(Math.min(1000, deadline - Date.now()));
      }
    };
    if (await waitUntilEmpty(wait ?? 0)) {
      console.log(`${config.name}: no tasks running.`);
      return 0;
    }
    if (!cancelTasks) {
      console.error(`${config.name}: tasks are still running. Wait longer, or add --cancel-tasks.`);
      return 1;
    }
    for (const task of await running()) {
      await cancelTask(pool, task.id, actor);
      await insertAuditEntry(pool, {
        actor,
        action: 'task.cancel',
        target: task.id,
        details: { reason: 'drain' },
      });
      console.log(`${config.name}: canceling task ${task.id} (${task.kind})`);
    }
    if (await waitUntilEmpty(CANCEL_WAIT_SECONDS)) {
      console.log(`${config.name}: no tasks running.`);
      return 0;
    }
    console.error(`${config.name}: tasks did not stop within ${CANCEL_WAIT_SECONDS} s of being canceled.`);
    return 1;
  } finally {
    await pool.end();
  }
}
