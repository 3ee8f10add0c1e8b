/** An error the admin can act on: its message says what went wrong and what to do, and is shown as is. */
export class UserError extends Error {
  override name = 'UserError';
}
