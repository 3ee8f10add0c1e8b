/** pino's numeric levels and their names. */
export const LOG_LEVELS = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
} as const;

export interface LogLine {
  time: number | null;
  level: number;
  levelName: string;
  msg: string;
  /** The line's other fields, as `key=value` text. */
  fields: string;
  /** The whole line, for searching. */
  raw: string;
}

const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/** A node log's text (pino JSON lines) as lines to show; a line that is not JSON is shown as it is. */
export function parseLogLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((raw) => {
      let parsed: Record<string, unknown> | null = null;
      try {
        const value: unknown = JSON.parse(raw);
        if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
      } catch {
        parsed = null;
      }
      if (!parsed) return { time: null, level: 30, levelName: 'text', msg: raw, fields: '', raw };
      const level = typeof parsed.level === 'number' ? parsed.level : 30;
      const fields = Object.entries(parsed)
        .filter(([key]) => !HIDDEN.has(key))
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      return {
        time: typeof parsed.time === 'number' ? parsed.time : null,
        level,
        levelName: LOG_LEVELS[level as keyof typeof LOG_LEVELS] ?? String(level),
        msg: typeof parsed.msg === 'string' ? parsed.msg : '',
        fields,
        raw,
      };
    });
}
