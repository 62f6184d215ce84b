// The DARTS search space as NAS-Bench-301 trains it (Siems et al. 2020): normal and reduction cells of 4
// nodes × 2 edges over 7 ops, in the 8-cell CIFAR network with C = 32. The space has ~10^18 cells and
// no official order: enumerate() lists the 500 trained cells of the NB301 ground-truth file, in file
// order, and indexOf is the position in that list (−1 for any other cell).
import { UserError } from '../../errors.ts';
import type { SearchSpace } from '../space.ts';
import {
  formatGenotype, genotypeEncoding, NB301_OPS, normaliseGenotype, parseGenotypeText, validateGenotype, type Genotype, type GenotypeRules,
} from './genotype.ts';
import { buildCellNetwork, NB301_CONFIG, NB301_SLOTS } from './network.ts';
import { loadNb301Table } from './truth.ts';

export const DARTS_RULES: GenotypeRules = { ops: NB301_OPS, nodes: 4, concat: [2, 3, 4, 5] };

/** Parses either genotype form (genotype.ts) and checks it against the DARTS space. */
export function parseDarts(str: string): Genotype {
  const bad = (why: string) => new UserError(`invalid DARTS genotype ${JSON.stringify(String(str).slice(0, 60))}${String(str).length > 60 ? '…' : ''}: ${why}`);
  const g = parseGenotypeText(str, bad);
  validateGenotype(g, DARTS_RULES, bad);
  return g;
}

const canonical = (arch: string) => formatGenotype(parseDarts(arch));
const table = () => loadNb301Table(canonical);

export const darts: SearchSpace = {
  name: 'darts',
  description: 'DARTS cells (NAS-Bench-301) in the 8-cell CIFAR network (C = 32); the 500 trained NB301 cells',
  slots: NB301_SLOTS,
  parse: canonical,
  enumerate: () => table().archs,
  indexOf: (arch) => table().indexOf.get(canonical(arch)) ?? -1,
  isomorphismKey: (arch) => formatGenotype(normaliseGenotype(parseDarts(arch))),
  encode: (arch) => genotypeEncoding(normaliseGenotype(parseDarts(arch)), DARTS_RULES),
  build: (arch, numClasses) => buildCellNetwork(parseDarts(arch), NB301_CONFIG, NB301_SLOTS, numClasses),
  truth: (dataset) => {
    if (dataset !== 'cifar10') throw new UserError(`unknown DARTS dataset ${JSON.stringify(dataset)}; NAS-Bench-301 has only cifar10`);
    return table().truth;
  },
};
