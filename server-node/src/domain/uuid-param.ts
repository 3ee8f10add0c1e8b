import { z } from 'zod';

/** A path `:id` that must be a UUID; a malformed one is a 400 naming it, not a database error. */
export const idParams = z.object({ id: z.uuid('id must be a UUID') });
