/**
 * The three kinds of failure (STYLE habit 11), told apart by the one CLI error handler:
 * a UserError (bad input or environment: message + hint, exit 2), a finding (the command's
 * result says so, exit 1), anything else is internal (stack + a request to report it).
 */
export class UserError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
    this.hint = hint;
  }
}
