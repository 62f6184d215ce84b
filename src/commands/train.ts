import type { Argv, CommandModule } from 'yargs';
import { join } from 'node:path';
import { selectBackend, type BackendName } from '../backend/select.ts';
import { applyOverrides, loadConfig } from '../config.ts';
import { createRunDir } from '../train/run-dir.ts';
import { evaluateRun, resolveConfig, train, writePredictions, type EvalOptions } from '../train/trainer.ts';

export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'];

export const trainCommand: CommandModule = {
  command: 'train',
  describe: 'Fit MABN (DiffKendall) on a harvest table and evaluate its ranking against baselines',
  builder: (y) => y
    .option('config', { type: 'string', demandOption: true, describe: 'JSON training config (configs/*.json)' })
    .option('set', { type: 'string', array: true, default: [], describe: 'override, e.g. --set split.train=156' })
    .option('name', { type: 'string', describe: 'run name (runs/<name>/, suffixed -2, -3… if taken)' })
    .option('backend', { type: 'string', choices: BACKENDS, default: 'auto' }),
  handler: async (argv: any) => {
    const overrides = [...(argv.set as string[])];
    if (argv.name) overrides.push(`name=${JSON.stringify(argv.name)}`);
    const cfg = resolveConfig(applyOverrides(loadConfig(argv.config), overrides));
    await selectBackend(argv.backend as BackendName);
    const { dir, metrics } = await train(cfg);
    const test = metrics.test as { kendall: number; spearman: number; n: number };
    const b = metrics.baselines as { ridge?: { kendall: number }; randomForest?: { kendall: number }; randomForestTyped?: { kendall: number } } | undefined;
    const typed = b?.randomForestTyped ? ` (with per-type sums ${b.randomForestTyped.kendall.toFixed(4)})` : '';
    process.stderr.write(`parzc: test τ ${test.kendall.toFixed(4)} ρ ${test.spearman.toFixed(4)} (n = ${test.n})` +
      (b ? `; ridge τ ${b.ridge?.kendall.toFixed(4)}, random forest τ ${b.randomForest?.kendall.toFixed(4)}${typed}` : '') + '\n');
    process.stdout.write(`${dir}\n`);
  },
};

export const evalCommand: CommandModule = {
  command: 'eval',
  describe: "Reload a training run's checkpoint and score the cells of a harvest table",
  builder: (y) => scoringOptions(y).option('backend', { type: 'string', choices: BACKENDS, default: 'auto' }),
  handler: async (argv: any) => {
    await selectBackend(argv.backend as BackendName);
    const r = evaluateRun(argv.run, evalOptions(argv));
    const dir = createRunDir(argv.run, 'eval');
    const out = join(dir, 'predictions.arrow');
    writePredictions(out, r.archs, r.mean, r.std, r.target);
    const leftOut = r.archs.filter((a) => r.trained.has(a)).length;
    if (r.report) process.stderr.write(`parzc: τ ${r.report.kendall.toFixed(4)} ρ ${r.report.spearman.toFixed(4)} on ${r.report.n} cells with ground truth` +
      (leftOut ? ` (the run's ${leftOut} training cells left out)` : '') + '\n');
    process.stdout.write(`${out}\n`);
  },
};

/** The options of commands that score cells with a saved run (eval, search). */
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
