/** An error caused by the user's input (bad config, unknown op, missing file): the CLI prints its
 * message on one line and exits non-zero, without a stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}
