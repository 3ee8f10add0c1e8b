import type { MigrationProgressDto, MigrationResultDto } from '@flotilla/server-node/api';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS, MigrationLineParser, parseOutput } from './migration-lines.js';

// The engine's --json output reaches the console in chunks cut anywhere, from a process that may die
// mid-line, over SSH from a host that may print anything: only whole, well-formed lines get through.

const progress: MigrationProgressDto = {
  type: 'progress',
  step: 'precopy',
  phase: 'files',
  message: 'copying 3 of 10 files — “ünïcödé” ✓',
  at: '2026-01-01T00:00:00.000Z',
  elapsedMs: 12,
  bytesDone: 300,
  bytesTotal: 1000,
  itemsDone: 3,
  itemsTotal: 10,
  unit: 'files',
  etaMs: 40,
};

const result: MigrationResultDto = {
  type: 'result',
  step: 'precopy',
  state: 'done',
  ok: true,
  dryRun: false,
  by: 'alice (console)',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
  message: 'done',
  next: null,
  checks: [],
  reports: [],
  source: { home: '/h', node: 'solo', sharedDir: null, clusterId: null },
  target: { db: null, sharedDir: null },
};

function collect() {
  const seen = {
    progress: [] as MigrationProgressDto[],
    results: [] as MigrationResultDto[],
    other: [] as string[],
  };
  const parser = new MigrationLineParser({
    progress: (event) => seen.progress.push(event),
    result: (line) => seen.results.push(line),
    other: (line) => seen.other.push(line),
  });
  return { parser, seen };
}

describe('reading the engine’s JSON lines', () => {
  it('reads lines cut anywhere, even inside a UTF-8 character, and CRLF line ends', () => {
    const { parser, seen } = collect();
    const bytes = Buffer.from(`${JSON.stringify(progress)}\r\n${JSON.stringify(result)}\n`);
    // One byte at a time: every multi-byte character is split across chunks.
    for (let i = 0; i < bytes.length; i++) parser.write(bytes.subarray(i, i + 1));
    parser.end();
    expect(seen.progress).toEqual([progress]);
    expect(seen.results).toEqual([result]);
    expect(seen.other).toEqual([]);
  });

  it('drops a last line cut in half (the process died writing it): no half result ever counts', () => {
    const { parser, seen } = collect();
    const line = JSON.stringify(result);
    parser.write(`${JSON.stringify(progress)}\n${line.slice(0, line.length / 2)}`);
    parser.end();
    expect(seen.progress).toHaveLength(1);
    expect(seen.results).toEqual([]);
    expect(seen.other).toHaveLength(1);
  });

  it('passes garbage on as text and never as an event: warnings, broken JSON, look-alikes with wrong fields', () => {
    const { parser, seen } = collect();
    const lookAlikes = [
      'flotilla-node: warning: something',
      '{"type":"progress"',
      '{"type":"result","ok":"yes"}',
      JSON.stringify({ ...progress, bytesDone: 'many' }),
      JSON.stringify({ ...progress, unit: 'parsecs' }),
      JSON.stringify({ ...result, checks: null }),
      JSON.stringify({ ...result, state: 'exploded' }),
      '[1,2,3]',
      'null',
      '{"type":"__proto__"}',
      '\u0000\u0001\u0002',
    ];
    parser.write(lookAlikes.join('\n') + '\n');
    parser.write(`${JSON.stringify(result)}\n`);
    parser.end();
    expect(seen.progress).toEqual([]);
    expect(seen.results).toEqual([result]);
    expect(seen.other).toHaveLength(lookAlikes.length);
  });

  it('drops a huge line, streamed or whole, and reads the next line normally', () => {
    const { parser, seen } = collect();
    const chunk = 'x'.repeat(1024 * 1024);
    parser.write('{"type":"result","message":"');
    for (let sent = 0; sent <= MAX_LINE_CHARS; sent += chunk.length) parser.write(chunk);
    parser.write('"}\n');
    parser.write(`{"padding":"${'y'.repeat(MAX_LINE_CHARS)}"}\n${JSON.stringify(progress)}\n`);
    parser.end();
    expect(seen.progress).toEqual([progress]);
    expect(seen.results).toEqual([]);
    expect(seen.other.filter((line) => line.includes('dropped'))).toHaveLength(2);
    expect(seen.other.every((line) => line.length < 400)).toBe(true);
  });

  it('checks a single line on its own', () => {
    expect(parseOutput(JSON.stringify(result))).toEqual(result);
    expect(parseOutput('not json')).toBeNull();
    expect(parseOutput(JSON.stringify({ type: 'other' }))).toBeNull();
  });
});
