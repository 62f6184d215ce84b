import type { CommandModule } from 'yargs';
import { dataCommand } from './data.ts';
import { evalCommand } from './eval.ts';
import { harvestCommand, mergeCommand } from './harvest.ts';
import { searchCommand } from './search.ts';
import { trainCommand } from './train.ts';

/** Every `parzc <command>`; each lives in its own module under src/commands/ (options.ts: options some share). */
export const commands: CommandModule<any, any>[] = [harvestCommand, mergeCommand, dataCommand, trainCommand, evalCommand, searchCommand];
