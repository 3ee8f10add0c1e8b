/** An error the user caused and can fix: the CLI prints its message alone, without a stack. */
export class UserError extends Error {
  override name = 'UserError';
}
