import type { CommandModule } from 'yargs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../backend/select.ts';
import { UserError } from '../errors.ts';
import { evaluateRun } from '../eval/evaluate-run.ts';
import { zeroShotSearch } from '../eval/search.ts';
import { createRunDir } from '../train/run-dir.ts';
import { evalOptions, scoringOptions } from './options.ts';

export const searchCommand: CommandModule = {
  command: 'search',
  describe: "Zero-shot search with a run's scorer: pick the best-scored of N random cells, repeated; report true accuracies",
  builder: (y) => scoringOptions(y)
    .option('candidates', { type: 'number', default: 100, describe: 'cells drawn per search' })
    .option('repeats', { type: 'number', default: 100, describe: 'searches (seeded draws)' })
    .option('seed', { type: 'number', default: 0 })
    .option('top', { type: 'number', default: 10, describe: 'also list the top-N scored cells of the whole pool' })
    .option('backend', { type: 'string', choices: BACKEND_NAMES, default: 'auto' }),
  handler: async (argv: any) => {
    for (const k of ['candidates', 'repeats', 'top'] as const) {
      if (!Number.isInteger(argv[k]) || argv[k] < 1) throw new UserError(`--${k} must be a positive integer, got ${argv[k]}`);
    }
    await selectBackend(argv.backend as BackendName);
    const r = evaluateRun(argv.run, evalOptions(argv));
    // The pool: cells with ground truth the scorer never saw a label of.
    const pool = r.heldOut.filter((i) => Number.isFinite(r.mean[i]));
    if (pool.length < argv.candidates) throw new UserError(`--candidates ${argv.candidates}: only ${pool.length} scored cells with ground truth outside the training set`);
    const { repeats, summary } = zeroShotSearch(r.mean, r.target, pool, { candidates: argv.candidates, repeats: argv.repeats, seed: argv.seed });
    const top = pool.slice().sort((a, b) => r.mean[b] - r.mean[a]).slice(0, argv.top)
      .map((i) => ({ arch: r.archs[i], score: r.mean[i], std: r.std[i], acc: r.target[i] }));
    const dir = createRunDir(argv.run, 'search');
    writeFileSync(join(dir, 'search.json'), JSON.stringify({ dataset: argv.dataset ?? null, harvest: argv.harvest ?? null, summary, top,
      repeats: repeats.map((x) => ({ ...x, pick: r.archs[x.pick] })) }, null, 2) + '\n');
    const f = (x: number) => x.toFixed(2);
    process.stderr.write(`parzc: ${summary.repeats} searches of ${summary.candidates} cells from ${summary.pool} (training cells left out): ` +
      `pick ${f(summary.pickAcc.mean)} ± ${f(summary.pickAcc.std)} (better than ${(100 * summary.pickPercentile).toFixed(1)}% of the pool), ` +
      `random ${f(summary.randomAcc)}, best of the candidates ${f(summary.oracleAcc)}, best of the pool ${f(summary.poolBest)}\n`);
    for (const [k, t] of top.entries()) process.stderr.write(`  ${k + 1}. ${t.arch}  score ${t.score.toFixed(3)}  acc ${f(t.acc)}\n`);
    process.stdout.write(`${join(dir, 'search.json')}\n`);
  },
};
