import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-error.js';

const MESSAGE = 'must not contain a NUL character (\\u0000)';

/** The first string (value or key) holding a NUL, as a dotted path, or null. Iterative: bodies may nest deep. */
function findNul(input: unknown): string | null {
  const stack: [unknown, string][] = [[input, '']];
  while (stack.length > 0) {
    const [value, at] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return at || '(root)';
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push([item, at ? `${at}.${i}` : String(i)]));
    } else if (
      value !== null &&
      typeof value === 'object' &&
      !Buffer.isBuffer(value) &&
      !(value instanceof Readable)
    ) {
      // A streamed body (a package upload) is data for its route, not fields: walking a stream's
      // internals never ends.
      for (const [key, item] of Object.entries(value)) {
        const here = at ? `${at}.${key}` : key;
        if (key.includes('\u0000')) return here;
        stack.push([item, here]);
      }
    }
  }
  return null;
}

/**
 * PostgreSQL can store no NUL character, in text or in jsonb: one would fail deep in a query as a 500.
 * Every request is checked once, before any route sees it, and refused with a 400 naming the field.
 */
export function installNulCheck(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const parts: [string, unknown][] = [
      ['path', request.params],
      ['query', request.query],
      ['request body', request.body],
    ];
    for (const [what, input] of parts) {
      const field = findNul(input);
      if (field) {
        done(
          new HttpError(400, `Invalid ${what}: ${field}: ${MESSAGE}`, [{ path: field, message: MESSAGE }]),
        );
        return;
      }
    }
    done();
  });
}
