import { Logger } from 'graphile-worker';

/**
 * graphile-worker logs through console.log by default, which would land on the benchmark's stdout
 * (reserved for the result). Keep warnings and errors, on stderr.
 */
export const quietGraphileLogger = new Logger(() => (level, message) => {
  // LogLevel is an ambient const enum, which isolated modules cannot reference: compare its string values.
  const name: string = level;
  if (name === 'error' || name === 'warning') process.stderr.write(`graphile-worker ${name}: ${message}\n`);
});
