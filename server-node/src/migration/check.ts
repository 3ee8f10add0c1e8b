import type { MigrationCheckDto } from '../api/index.js';

/** A passing check. */
export function pass(id: string, title: string, detail: string): MigrationCheckDto {
  return { id, title, status: 'pass', detail, fix: null };
}

/** A failing check and what the admin should do about it. */
export function fail(id: string, title: string, detail: string, fix: string): MigrationCheckDto {
  return { id, title, status: 'fail', detail, fix };
}

/** Worth reading, does not block. */
export function warn(
  id: string,
  title: string,
  detail: string,
  fix: string | null = null,
): MigrationCheckDto {
  return { id, title, status: 'warn', detail, fix };
}

export function allPass(checks: MigrationCheckDto[]): boolean {
  return checks.every((check) => check.status !== 'fail');
}
