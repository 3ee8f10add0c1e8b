import { StringDecoder } from 'node:string_decoder';
import type { MigrationOutputDto, MigrationProgressDto, MigrationResultDto } from '@flotilla/server-node/api';

/** A line longer than this (in characters) is no line the engine prints: it is dropped, whatever it holds. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

export interface MigrationLineSink {
  progress(event: MigrationProgressDto): void;
  result(result: MigrationResultDto): void;
  /** A line that is not one of the engine's (a warning on stdout, garbage, a line cut off): its start. */
  other?(line: string): void;
}

/**
 * Reads `flotilla-node migrate … --json` output as it arrives, in chunks cut anywhere (inside a line,
 * inside a UTF-8 character): every complete line that is a progress event or a result goes to the sink,
 * anything else is passed on as text. A line that never ends within MAX_LINE_CHARS is dropped, and so
 * is a half line at the end (the process died writing it), so a result is only ever a whole line.
 */
export class MigrationLineParser {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** Inside a line that is too long: skip until its end. */
  private skipping = false;

  constructor(private readonly sink: MigrationLineSink) {}

  write(chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    for (;;) {
      const newline = text.indexOf('\n');
      if (newline < 0) break;
      const end = text.slice(0, newline);
      text = text.slice(newline + 1);
      if (this.skipping) {
        this.skipping = false;
        this.pending = '';
        continue;
      }
      const line = this.pending + end;
      this.pending = '';
      this.line(line);
    }
    if (this.skipping) return;
    this.pending += text;
    if (this.pending.length > MAX_LINE_CHARS) {
      this.sink.other?.(`${this.pending.slice(0, 200)}… (a line over ${MAX_LINE_CHARS} characters, dropped)`);
      this.pending = '';
      this.skipping = true;
    }
  }

  /** The output ended: a line without its newline was cut off, so it only counts as text. */
  end(): void {
    const rest = this.skipping ? '' : this.pending + this.decoder.end();
    this.pending = '';
    this.skipping = false;
    if (rest.trim() !== '') this.sink.other?.(rest.slice(0, 200));
  }

  private line(raw: string): void {
    if (raw.length > MAX_LINE_CHARS) {
      this.sink.other?.(`${raw.slice(0, 200)}… (a line over ${MAX_LINE_CHARS} characters, dropped)`);
      return;
    }
    const line = raw.replace(/\r$/, '');
    const parsed = line.startsWith('{') ? parseOutput(line) : null;
    if (!parsed) {
      if (line.trim() !== '') this.sink.other?.(line.slice(0, 200));
    } else if (parsed.type === 'progress') this.sink.progress(parsed);
    else this.sink.result(parsed);
  }
}

/** One line as the engine's DTO, or null when it is not one (checked field by field: nothing else gets through). */
export function parseOutput(line: string): MigrationOutputDto | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (record.type === 'progress')
    return isProgress(record) ? (record as unknown as MigrationProgressDto) : null;
  if (record.type === 'result') return isResult(record) ? (record as unknown as MigrationResultDto) : null;
  return null;
}

const STEP_STATES = new Set(['pending', 'running', 'interrupted', 'waiting', 'done', 'failed']);
const UNITS = new Set(['files', 'tables', 'rows', 'tasks', 'none']);

function isProgress(record: Record<string, unknown>): boolean {
  return (
    typeof record.step === 'string' &&
    typeof record.phase === 'string' &&
    typeof record.message === 'string' &&
    typeof record.at === 'string' &&
    ['elapsedMs', 'bytesDone', 'bytesTotal', 'itemsDone', 'itemsTotal'].every((key) =>
      Number.isFinite(record[key]),
    ) &&
    UNITS.has(record.unit as string) &&
    (record.etaMs === null || Number.isFinite(record.etaMs))
  );
}

function isResult(record: Record<string, unknown>): boolean {
  return (
    typeof record.step === 'string' &&
    STEP_STATES.has(record.state as string) &&
    typeof record.ok === 'boolean' &&
    typeof record.message === 'string' &&
    Array.isArray(record.checks) &&
    Array.isArray(record.reports) &&
    typeof record.source === 'object' &&
    record.source !== null &&
    typeof record.target === 'object' &&
    record.target !== null
  );
}
