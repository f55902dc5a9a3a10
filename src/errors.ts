// Errors a user can cause (bad config, missing image, corrupt baseline, bad usage). Their message
// is written for the user: what is wrong, where, and what to do. Entry points print the message
// (never a stack trace) and exit with code 2. Anything else that throws is a programmer error.
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

export const isUserError = (error: unknown): error is UserError => error instanceof UserError;
