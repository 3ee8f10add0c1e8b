import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { TaskKind } from './task-kind.js';

const noopArgs = z.object({ sleepMs: z.number().int().min(0).max(86_400_000).default(0) }).strict();

/** Does nothing for `sleepMs`: for tests, benchmarks and checking that a cluster picks up work. */
export const noopTask: TaskKind<z.infer<typeof noopArgs>> = {
  name: 'noop',
  argsSchema: noopArgs,
  argsRole: 'viewer',
  onNodeLoss: 'requeue',
  async run({ args, signal }) {
    if (args.sleepMs > 0) await sleep(args.sleepMs, undefined, { signal });
  },
};
