// Options shared by the commands that score cells with a saved run (eval, search).
import type { Argv } from 'yargs';
import type { EvalOptions } from '../eval/evaluate-run.ts';

export function scoringOptions(y: Argv): Argv {
  return y
    .option('run', { type: 'string', demandOption: true, describe: 'run directory (runs/<name>)' })
    .option('harvest', { type: 'string', describe: "harvest table, then tables joined to it, comma-separated (default: the run's own)" })
    .option('dataset', { type: 'string', describe: "ground truth of another dataset of the space (default: the run's)" })
    .option('refit-features', { type: 'boolean', default: false, describe: 'refit feature statistics on the scored cells (label-free): needed to score another search space' });
}

export function evalOptions(argv: { harvest?: string; dataset?: string; refitFeatures?: boolean }): EvalOptions {
  return { harvest: argv.harvest ? String(argv.harvest).split(',') : undefined, dataset: argv.dataset, refit: argv.refitFeatures };
}
