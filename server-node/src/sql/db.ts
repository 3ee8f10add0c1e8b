import type pg from 'pg';

/** Anything that runs a query: a pool or a checked-out client. Operations take it as a parameter. */
export type Db = Pick<pg.Pool, 'query'>;

/** `interval` arithmetic in SQL takes milliseconds as `$n * interval '1 millisecond'`. */
export const MS = `interval '1 millisecond'`;
