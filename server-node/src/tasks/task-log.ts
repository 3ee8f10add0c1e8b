import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskAttemptDto } from '../api/index.js';
import { TERMINAL_TASK_STATES } from '../api/index.js';
import type { Db } from '../sql/db.js';
import { getTask, listAttempts } from '../sql/task-rows.js';

// Task logs live in shared storage, one file per attempt (<shared>/tasks/<id>/attempt-<n>.log),
// so no two nodes ever append to one file. Reading a task's log stitches its attempts together
// with a header naming the node, and a footer saying how the attempt ended.

export function attemptLogPath(sharedDir: string, taskId: string, attempt: number): string {
  return path.join(sharedDir, 'tasks', taskId, `attempt-${attempt}.log`);
}

/**
 * Appends to one attempt's log. The file is created on the first write, so silent tasks leave none.
 * A failing share must not take the node down: write errors are kept and reported by `close()`.
 * `checkShared`, when given, must find the folder to be the cluster's share before the file is created:
 * a share that disappeared leaves an empty local folder at its path, and a log written there is lost.
 */
export class TaskLogWriter {
  private stream: WriteStream | null = null;
  private opening: Promise<void> | null = null;
  private buffered: (string | Buffer)[] = [];
  error: Error | null = null;

  constructor(
    private readonly file: string,
    private readonly checkShared: () => Promise<string | null> = () => Promise.resolve(null),
  ) {}

  write(text: string | Buffer): void {
    if (this.stream) {
      this.stream.write(text);
      return;
    }
    this.buffered.push(text);
    this.opening ??= this.checkShared()
      .then((problem) => {
        if (problem) throw new Error(problem);
        return mkdir(path.dirname(this.file), { recursive: true });
      })
      .then(
        () => {
          const stream = createWriteStream(this.file, { flags: 'a' });
          stream.on('error', (error) => (this.error ??= error));
          for (const chunk of this.buffered) stream.write(chunk);
          this.buffered = [];
          this.stream = stream;
        },
        (error: Error) => {
          this.error ??= error;
        },
      );
  }

  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** Flushes and closes; resolves with the first write error, if any. */
  async close(): Promise<Error | null> {
    await this.opening;
    const stream = this.stream;
    if (stream && !stream.destroyed) await new Promise<void>((resolve) => stream.end(resolve));
    return this.error;
  }
}

function header(attempt: TaskAttemptDto): string {
  return `── attempt ${attempt.attempt} on ${attempt.node}, started ${attempt.startedAt} ──\n`;
}

function footer(attempt: TaskAttemptDto): string {
  const note = attempt.note ? ` (${attempt.note})` : '';
  return `── attempt ${attempt.attempt} ${attempt.outcome}${note} ──\n`;
}

async function readFrom(file: string, offset: number): Promise<Buffer> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return Buffer.alloc(0);
  try {
    const { size } = await handle.stat();
    if (size <= offset) return Buffer.alloc(0);
    const buffer = Buffer.alloc(size - offset);
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

/**
 * Yields a task's log as it grows: everything written so far, then (with `follow`) new output
 * from whichever node runs the task, until the task reaches a terminal state.
 */
export async function* readTaskLog(
  db: Db,
  sharedDir: string,
  taskId: string,
  options: { follow: boolean; signal?: AbortSignal; pollMs?: number },
): AsyncGenerator<Buffer> {
  const offsets = new Map<number, number>();
  const closed = new Set<number>();
  for (;;) {
    const task = await getTask(db, taskId, 'viewer'); // its state only
    if (!task) return;
    const terminal = TERMINAL_TASK_STATES.includes(task.state);
    const attempts = await listAttempts(db, taskId);
    for (const attempt of attempts) {
      if (closed.has(attempt.attempt)) continue;
      if (!offsets.has(attempt.attempt)) {
        offsets.set(attempt.attempt, 0);
        yield Buffer.from(header(attempt));
      }
      const file = attemptLogPath(sharedDir, taskId, attempt.attempt);
      const chunk = await readFrom(file, offsets.get(attempt.attempt)!);
      if (chunk.length > 0) {
        offsets.set(attempt.attempt, offsets.get(attempt.attempt)! + chunk.length);
        yield chunk;
      }
      if (attempt.outcome !== 'running') {
        // The attempt's writer may flush its last bytes just after the row is updated: read once more.
        const rest = await readFrom(file, offsets.get(attempt.attempt)!);
        if (rest.length > 0) yield rest;
        closed.add(attempt.attempt);
        yield Buffer.from(footer(attempt));
      }
    }
    if (!options.follow || terminal || options.signal?.aborted) {
      if (task.state === 'queued' && attempts.length > 0) yield Buffer.from('── waiting for a node ──\n');
      return;
    }
    await sleep(options.pollMs ?? 250, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
