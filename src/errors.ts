/** An error caused by the user's input (bad config, unknown op, missing file): the CLI prints its
 * message on one line and exits non-zero, without a stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Runs a script's main: a UserError becomes one line on stderr and exit code 2, any other error keeps its
 * stack (exit 1); a number returned is the exit code. */
export async function runScript(name: string, main: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? 0;
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`${name}: error: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`${name}: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  }
}
