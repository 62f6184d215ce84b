import type { CommandModule } from 'yargs';
import { BACKEND_NAMES, type BackendName } from '../backend/select.ts';
import { loadConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { harvest, mergeShards } from '../harvest/run.ts';
import type { HarvestSettings } from '../harvest/settings.ts';
import { DEFAULT_NETWORK_PROXIES, DEFAULT_NODE_PROXIES } from '../proxies/registry.ts';
import { cpus } from 'node:os';

const positiveInt = (name: string, v: unknown) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} must be a positive integer, got ${v}`);
  return n;
};

export const harvestCommand: CommandModule = {
  command: 'harvest',
  describe: 'Measure node-wise zero-cost statistics of architectures into an Arrow table (resumable)',
  builder: (y) => y
    .option('config', { type: 'string', describe: 'JSON file with any of these options (command-line flags win)' })
    .option('space', { type: 'string', describe: 'search space: nb201, nb101, darts, nds:<sweep>, autoformer, pit' })
    .option('dataset', { type: 'string', choices: ['cifar10', 'cifar100'], describe: 'image batch source' })
    .option('archs', { type: 'string', describe: 'all | unique | <N> (seeded sample) | <file, one arch per line>' })
    .option('proxies', { type: 'string', describe: `comma list (default ${[...DEFAULT_NODE_PROXIES, ...DEFAULT_NETWORK_PROXIES].join(',')})` })
    .option('batch-size', { type: 'number' })
    .option('micro-batch', { type: 'number', describe: 'largest forward/backward batch (gradients add up); default min(batch, 32)' })
    .option('seed', { type: 'number' })
    .option('out', { type: 'string', describe: 'output node table (.arrow); the cells table goes beside it' })
    .option('workers', { type: 'number', describe: 'worker processes (default: number of cores)' })
    .option('shard', { type: 'string', describe: 'i/n: compute every n-th planned architecture from the i-th' })
    .option('backend', { type: 'string', choices: BACKEND_NAMES })
    .option('finalize', { type: 'boolean', describe: 'write the tables from the cells done so far, compute nothing' }),
  handler: async (argv: any) => {
    const file = argv.config ? loadConfig(argv.config) as Record<string, any> : {};
    const pick = (k: string, camel: string, dflt: unknown) => argv[k] ?? file[camel] ?? file[k] ?? dflt;
    const batchSize = positiveInt('batch-size', pick('batch-size', 'batchSize', 16));
    const proxies = pick('proxies', 'proxies', [...DEFAULT_NODE_PROXIES, ...DEFAULT_NETWORK_PROXIES]);
    const settings: HarvestSettings = {
      space: pick('space', 'space', 'nb201'),
      dataset: pick('dataset', 'dataset', 'cifar10'),
      archs: String(pick('archs', 'archs', 'all')),
      proxies: (Array.isArray(proxies) ? proxies : String(proxies).split(',')).map((p: string) => p.trim()).filter(Boolean),
      batchSize,
      microBatch: positiveInt('micro-batch', pick('micro-batch', 'microBatch', Math.min(batchSize, 32))),
      seed: Number(pick('seed', 'seed', 0)),
      shard: pick('shard', 'shard', null),
    };
    const out = pick('out', 'out', null);
    if (!out) throw new UserError('--out <file.arrow> is required');
    await harvest(settings, {
      backend: pick('backend', 'backend', 'auto') as BackendName,
      workers: positiveInt('workers', pick('workers', 'workers', cpus().length)),
      out,
      finalizeOnly: Boolean(argv.finalize),
    });
  },
};

export const mergeCommand: CommandModule = {
  command: 'merge <shards..>',
  describe: 'Join the tables of harvest shards (--shard i/n) into one table in plan order',
  builder: (y) => y
    .positional('shards', { type: 'string', array: true, describe: 'node tables of the shards' })
    .option('out', { type: 'string', demandOption: true, describe: 'merged node table (.arrow)' }),
  handler: async (argv: any) => {
    await mergeShards(argv.shards, argv.out);
  },
};
