import type { CommandModule } from 'yargs';

/** Every `parzc <command>`; each lives in its own module under src/commands/. */
export const commands: CommandModule<any, any>[] = [];
