import { existsSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';

/** Where a node writes its own log: `<home>/logs/node.log`, then node.log.1 … node.log.3 as it rotates. */
export function nodeLogFile(home: string): string {
  return path.join(path.resolve(home), 'logs', 'node.log');
}

/** 10 MiB per file, the current one and three before it: at most 40 MiB of log per node. */
export const LOG_ROTATION = { maxBytes: 10 * 1024 * 1024, keep: 3 } as const;

/**
 * A pino destination that writes `file` and rotates it by size: past `maxBytes` the file becomes
 * file.1 (file.1 becomes file.2 …, the oldest beyond `keep` is dropped) and a new file begins. Writes
 * are synchronous, so a node killed with -9 loses no line it logged (nodes log little: no request logs).
 */
export function rotatingLogFile(file: string, rotation: { maxBytes: number; keep: number } = LOG_ROTATION) {
  const destination = pino.destination({ dest: file, sync: true, mkdir: true, mode: 0o640 });
  // A full or failing disk in the home must never stop the node: the line still goes to stdout.
  destination.on('error', () => undefined);
  let size = existsSync(file) ? statSync(file).size : 0;
  return {
    write(chunk: string): void {
      try {
        destination.write(chunk);
        size += Buffer.byteLength(chunk);
        if (size < rotation.maxBytes) return;
        for (let i = rotation.keep - 1; i >= 1; i--)
          if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
        renameSync(file, `${file}.1`);
        destination.reopen();
        size = 0;
      } catch {
        // Dropped from the file only (ENOSPC, EACCES…); the next line tries again.
      }
    },
  };
}
