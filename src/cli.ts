import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UserError } from './errors.ts';
import { commands } from './commands/index.ts';

/** Prints a user error as one line and exits non-zero; anything else is a bug and keeps its stack. */
function fail(err: unknown): never {
  if (err instanceof UserError) {
    process.stderr.write(`parzc: error: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`parzc: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
}

process.on('unhandledRejection', fail);

try {
  let cli = yargs(hideBin(process.argv))
    .scriptName('parzc')
    .strict()
    .demandCommand(1, 'name a command')
    .help()
    .fail((msg, err) => fail(err ?? new UserError(msg)));
  for (const c of commands) cli = cli.command(c);
  await cli.parseAsync();
} catch (err) {
  fail(err);
}
