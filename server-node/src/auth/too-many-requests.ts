import { HttpError } from '../http/http-error.js';

/** A 429 that also tells the client when to try again (Retry-After). */
export class TooManyRequests extends HttpError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, message);
  }
}
