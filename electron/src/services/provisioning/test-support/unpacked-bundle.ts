import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ServerBundle } from '../server-bundle.js';

const run = promisify(execFile);

export interface UnpackedBundle {
  root: string;
  /** The bundle's own Node runtime and its server, as a host runs them. */
  node: string;
  cli: string;
}

/** Unpacks a server bundle on this machine, to run its nodes here as a host would run them. */
export async function unpackBundle(bundle: ServerBundle, into: string): Promise<UnpackedBundle> {
  await mkdir(into, { recursive: true });
  await run('tar', ['-xzf', bundle.archive, '-C', into]);
  const root = path.join(into, bundle.name);
  return {
    root,
    node: path.join(root, 'node', 'bin', 'node'),
    cli: path.join(root, 'server', 'flotilla-node.mjs'),
  };
}
