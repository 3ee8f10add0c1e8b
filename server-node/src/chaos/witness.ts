import { readFile } from 'node:fs/promises';
import { shellQuote } from '../shell/shell-quote.js';

// The witness of what really ran. Every load task is a `script` task whose every execution appends
// "<task id> <attempt> start" to a file outside the shared folder when it begins and "... end" when its
// work is done; the node passes the id and attempt in FLOTILLA_TASK_ID / FLOTILLA_TASK_ATTEMPT. The file
// is written by the executions themselves, not by the node or the database, so it also sees work the
// database never heard of: a frozen or cut-off node that keeps going, a task that runs on two nodes.
// Appends of one short line are atomic (O_APPEND on a local disk).

/** The script of one load task: witness, a line for the task log, a few seconds of work, witness. */
export function witnessScript(witnessFile: string, workSeconds: number): string {
  const file = shellQuote(witnessFile);
  return [
    `echo "$FLOTILLA_TASK_ID $FLOTILLA_TASK_ATTEMPT start" >> ${file}`,
    `echo "task $FLOTILLA_TASK_ID working"`,
    `sleep ${workSeconds}`,
    `echo "task $FLOTILLA_TASK_ID done"`,
    `echo "$FLOTILLA_TASK_ID $FLOTILLA_TASK_ATTEMPT end" >> ${file}`,
  ].join('\n');
}

/** The line every completed execution leaves in its task's log. */
export function doneLine(taskId: string): string {
  return `task ${taskId} done`;
}

export interface Executions {
  /** Attempt numbers of every execution that began. */
  starts: number[];
  /** Attempt numbers of every execution that finished its work. */
  ends: number[];
}

export async function readWitness(witnessFile: string): Promise<Map<string, Executions>> {
  const text = await readFile(witnessFile, 'utf8').catch(() => '');
  const byTask = new Map<string, Executions>();
  for (const line of text.split('\n')) {
    const match = /^(\d+) (\d+) (start|end)$/.exec(line);
    if (!match) continue;
    const executions = byTask.get(match[1]!) ?? { starts: [], ends: [] };
    (match[3] === 'start' ? executions.starts : executions.ends).push(Number(match[2]));
    byTask.set(match[1]!, executions);
  }
  return byTask;
}
