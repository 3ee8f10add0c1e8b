/**
 * Fault injection for the migration's crash tests: with FLOTILLA_MIGRATION_CRASH_AT=<name> the CLI kills
 * itself (SIGKILL: no cleanup runs, as in a real crash) when it reaches that point. The names are the
 * step boundaries (`after:<step>`), the switch's phases (`switch:<phase>`), and half-way through the
 * copies: `files-midway` (precopy), `delta-midway`, `rehearsal:database-midway`, `switch:database-midway`.
 */
export function crashPoint(name: string): void {
  if (process.env.FLOTILLA_MIGRATION_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
