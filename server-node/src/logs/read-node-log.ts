import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The most of the file's end read to find the last lines (a line is a few hundred bytes). */
const TAIL_WINDOW_BYTES = 4 * 1024 * 1024;

async function readRange(file: string, from: number, to: number): Promise<Buffer> {
  if (to <= from) return Buffer.alloc(0);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function sizeOf(file: string): Promise<number | null> {
  return stat(file).then(
    (info) => info.size,
    () => null,
  );
}

/** The last `lines` whole lines of the file, and of the one before it (file.1) when the file has fewer. */
async function tailLines(file: string, lines: number, older = true): Promise<{ text: string; end: number }> {
  const end = (await sizeOf(file)) ?? 0;
  const window = await readRange(file, Math.max(0, end - TAIL_WINDOW_BYTES), end);
  let found = window.toString('utf8').split('\n');
  if (found.at(-1) === '') found.pop();
  if (end > TAIL_WINDOW_BYTES) found = found.slice(1); // the first line may be cut
  if (older && found.length < lines && end <= TAIL_WINDOW_BYTES) {
    const before = await tailLines(`${file}.1`, lines - found.length, false);
    if (before.text) found = [...before.text.trimEnd().split('\n'), ...found];
  }
  const kept = found.slice(-lines);
  return { text: kept.length ? `${kept.join('\n')}\n` : '', end };
}

/** The file that holds the inode `ino` now: the current one, or one rotated away (file.1, file.2…). */
async function rotatedFiles(file: string, ino: number): Promise<string[]> {
  const newer: string[] = [];
  for (let i = 1; i <= 9; i++) {
    const candidate = `${file}.${i}`;
    const info = await stat(candidate).catch(() => null);
    if (!info) return [];
    if (info.ino === ino) return [candidate, ...newer];
    newer.unshift(candidate);
  }
  return [];
}

/**
 * A node's log file: its last `lines` lines, then (with `follow`) what is appended as it is written,
 * across rotations, until `signal` aborts.
 */
export async function* readNodeLog(
  file: string,
  options: { lines: number; follow: boolean; signal?: AbortSignal; pollMs?: number },
): AsyncGenerator<Buffer> {
  const tail = await tailLines(file, options.lines);
  if (tail.text) yield Buffer.from(tail.text);
  let offset = tail.end;
  let ino = (await stat(file).catch(() => null))?.ino ?? null;
  while (options.follow && !options.signal?.aborted) {
    await sleep(options.pollMs ?? 250, undefined, { signal: options.signal }).catch(() => undefined);
    const info = await stat(file).catch(() => null);
    if (!info) continue;
    if (ino !== null && info.ino !== ino) {
      // Rotated (maybe more than once): the rest of the file we read, then each file after it, oldest first.
      const [was, ...between] = await rotatedFiles(file, ino);
      if (was) yield* wholeLines(await readRange(was, offset, (await sizeOf(was)) ?? 0));
      for (const older of between) yield* wholeLines(await readRange(older, 0, (await sizeOf(older)) ?? 0));
      offset = 0;
    }
    ino = info.ino;
    const chunk = await readRange(file, offset, info.size);
    // Only whole lines: a line being written is sent once it ends.
    const last = chunk.lastIndexOf(0x0a);
    if (last >= 0) {
      offset += last + 1;
      yield chunk.subarray(0, last + 1);
    }
  }
}

function* wholeLines(chunk: Buffer): Generator<Buffer> {
  if (chunk.length > 0) yield chunk;
}
