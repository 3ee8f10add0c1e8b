import pino, { type Logger } from 'pino';

/**
 * The node's log: JSON lines on stdout. Fields that could carry secrets are redacted wherever
 * they appear, as a second line of defence behind never logging them at all.
 */
export function createLogger(name: string): Logger {
  return pino({
    name,
    level: process.env.FLOTILLA_LOG_LEVEL ?? 'info',
    redact: {
      paths: ['masterKey', '*.masterKey', 'dbUrl', '*.dbUrl', 'password', '*.password', 'apiKey', '*.apiKey'],
      censor: '***',
    },
  });
}
