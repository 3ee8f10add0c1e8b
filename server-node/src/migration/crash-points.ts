/**
 * Fault injection for the migration's crash tests: with FLOTILLA_MIGRATION_CRASH_AT=<name> the CLI kills
 * itself (SIGKILL: no cleanup runs, as in a real crash) when it reaches that point. The names are the
 * step boundaries and the switch's phases, plus `files-midway` and `database-midway` inside the copies.
 */
export function crashPoint(name: string): void {
  if (process.env.FLOTILLA_MIGRATION_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
