import type { CommandModule } from 'yargs';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../backend/select.ts';
import { applyOverrides, loadConfig } from '../config.ts';
import { resolveConfig } from '../train/config.ts';
import { train } from '../train/trainer.ts';

export const trainCommand: CommandModule = {
  command: 'train',
  describe: 'Fit MABN on a harvest table and rank held-out cells next to the baselines (loss: pairwise logistic in every shipped config, the best of pairwise logistic, DiffKendall, margin ranking and MSE in tuning runs; see docs/training.md)',
  builder: (y) => y
    .option('config', { type: 'string', demandOption: true, describe: 'JSON training config (configs/*.json)' })
    .option('set', { type: 'string', array: true, default: [], describe: 'override, e.g. --set split.train=156' })
    .option('name', { type: 'string', describe: 'run name (runs/<name>/, suffixed -2, -3… if taken)' })
    .option('backend', { type: 'string', choices: BACKEND_NAMES, default: 'auto' }),
  handler: async (argv: any) => {
    const overrides = [...(argv.set as string[])];
    if (argv.name) overrides.push(`name=${JSON.stringify(argv.name)}`);
    const cfg = resolveConfig(applyOverrides(loadConfig(argv.config), overrides));
    await selectBackend(argv.backend as BackendName);
    const { dir, metrics } = await train(cfg);
    const { test, baselines: b } = metrics;
    const typed = b?.randomForestRun ? ` (on the run's inputs ${b.randomForestRun.kendall.toFixed(4)})` : '';
    process.stderr.write(`parzc: test τ ${test.kendall.toFixed(4)} ρ ${test.spearman.toFixed(4)} (n = ${test.n})` +
      (b ? `; ridge τ ${b.ridge.kendall.toFixed(4)}, random forest τ ${b.randomForest.kendall.toFixed(4)}${typed}` : '') + '\n');
    process.stdout.write(`${dir}\n`);
  },
};
