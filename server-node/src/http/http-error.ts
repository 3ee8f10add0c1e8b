import type { z } from 'zod';
import type { ErrorDto } from '../api/index.js';

/** An error with an HTTP status and a message meant for the caller. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: ErrorDto['issues'],
  ) {
    super(message);
  }
}

/** Validates `input` with `schema`; a failure is a 400 that names each bad field and why. */
export function parseOr400<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new HttpError(400, `Invalid ${what}: ${summary}`, issues);
}
