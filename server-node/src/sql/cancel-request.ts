import { migration as cancelRequestedAt } from '../db/migrations/005-cancel-requested-at.js';
import { carries } from '../db/migrations/index.js';

// How a task's cancel request is stored, the one place that knows both shapes. Since 0.2.0 it is a
// time, tasks.cancel_requested_at (005-cancel-requested-at); builds of 0.1.x write and read the flag
// tasks.cancel_requested, which a trigger keeps in step until 007-drop-cancel-requested removes it.
// The flag's branch goes once 0.1.x is no longer a release the cluster upgrades from.

const AT = carries(cancelRequestedAt);

/** A condition on the tasks row `alias` (or the bare table): someone asked to cancel it. */
export function cancelRequested(alias = ''): string {
  const column = alias ? `${alias}.` : '';
  return AT ? `${column}cancel_requested_at is not null` : `${column}cancel_requested`;
}

/** The `set` clause that asks for a cancel (keeping the first request's time). */
export const REQUEST_CANCEL = AT
  ? 'cancel_requested_at = coalesce(cancel_requested_at, now())'
  : 'cancel_requested = true';

/** The `set` clause that forgets a cancel request (a retried task). */
export const CLEAR_CANCEL_REQUEST = AT ? 'cancel_requested_at = null' : 'cancel_requested = false';

/** The select-list entry for a task's cancel request time (null in builds that keep only the flag). */
export const CANCEL_REQUESTED_AT = AT ? 'cancel_requested_at' : 'null::timestamptz as cancel_requested_at';
