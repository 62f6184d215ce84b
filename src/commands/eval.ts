import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../backend/select.ts';
import { evaluateRun } from '../eval/evaluate-run.ts';
import { writePredictions } from '../train/predictions.ts';
import { createRunDir } from '../train/run-dir.ts';
import { evalOptions, scoringOptions } from './options.ts';

export const evalCommand: CommandModule = {
  command: 'eval',
  describe: "Reload a training run's checkpoint and score the cells of a harvest table",
  builder: (y) => scoringOptions(y).option('backend', { type: 'string', choices: BACKEND_NAMES, default: 'auto' }),
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
