import type { CommandModule } from 'yargs';
import { harvestCommand } from './harvest.ts';

/** Every `parzc <command>`; each lives in its own module under src/commands/. */
export const commands: CommandModule<any, any>[] = [harvestCommand];
