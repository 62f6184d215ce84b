import type { CommandModule } from 'yargs';
import { defaultDest, fetchData, listData } from '../data/fetch.ts';

interface DataArgs {
  action: 'fetch' | 'list';
  only?: string;
  dest?: string;
  'base-url'?: string;
  force: boolean;
}

/** `parzc data fetch|list`: download the benchmark files with checksums, or show which are present. */
export const dataCommand: CommandModule<object, DataArgs> = {
  command: 'data <action>',
  describe: 'Download (fetch) or list the benchmark data files',
  builder: (yargs) => yargs
    .positional('action', { choices: ['fetch', 'list'] as const, demandOption: true, describe: 'fetch: download and verify; list: show presence and sources' })
    .option('only', { type: 'string', describe: 'families (nb201,vit) or globs (nb201/*.csv, *.json), comma-separated' })
    .option('dest', { type: 'string', describe: `directory to download into (default ${defaultDest()})` })
    .option('base-url', { type: 'string', describe: 'fetch every file as <base-url>/<relative path> (a mirror)' })
    .option('force', { type: 'boolean', default: false, describe: 'download even files already present and intact' }),
  handler: async (argv) => {
    if (argv.action === 'list') {
      for (const { entry, foundAt, sizeDiffers } of listData(argv.only)) {
        const state = foundAt ? (sizeDiffers ? `present, WRONG SIZE (${foundAt})` : `present (${foundAt})`) : 'missing';
        const source = entry.url ?? `derived: ${entry.description}`;
        process.stdout.write(`${entry.path}\n  ${state}\n  source: ${source}\n`);
      }
      return;
    }
    const report = await fetchData({ only: argv.only, dest: argv.dest, baseUrl: argv['base-url'], force: argv.force });
    const parts = [`${report.downloaded.length} downloaded`, `${report.skipped.length} already present`];
    if (report.notDownloadable.length) parts.push(`${report.notDownloadable.length} derived and not downloadable (see above)`);
    process.stdout.write(`${parts.join(', ')}\n`);
    if (report.notDownloadable.length) {
      process.stderr.write('parzc: derived files have no public URL; copy them from a machine that has them, '
        + 'or fetch from a mirror of the data directory with --base-url\n');
    }
  },
};
