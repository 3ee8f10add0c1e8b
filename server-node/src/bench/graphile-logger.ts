import { Logger } from 'graphile-worker';

/**
 * graphile-worker logs through console.log by default, which would land on the benchmark's stdout
 * (reserved for the result). Keep warnings and errors, on stderr.
 */
export const quietGraphileLogger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') process.stderr.write(`graphile-worker ${level}: ${message}\n`);
});
