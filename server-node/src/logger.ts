import pino, { type Logger } from 'pino';
import { rotatingLogFile } from './logs/rotating-log-file.js';

/**
 * The node's log: JSON lines on stdout and, with `file`, in a file that rotates by size (what
 * GET /api/nodes/:name/log serves). Fields that could carry secrets are redacted wherever they
 * appear, as a second line of defence behind never logging them at all.
 */
export function createLogger(name: string, options: { file?: string } = {}): Logger {
  const settings = {
    name,
    level: process.env.FLOTILLA_LOG_LEVEL ?? 'info',
    redact: {
      paths: [
        'masterKey',
        '*.masterKey',
        'dbUrl',
        '*.dbUrl',
        'dbSessionUrl',
        '*.dbSessionUrl',
        'password',
        '*.password',
        'apiKey',
        '*.apiKey',
      ],
      censor: '***',
    },
  };
  if (!options.file) return pino(settings);
  const level = settings.level as pino.Level;
  return pino(
    settings,
    pino.multistream([
      { level, stream: process.stdout },
      { level, stream: rotatingLogFile(options.file) },
    ]),
  );
}
