// The NDS design spaces (`nds:<Sweep>`, e.g. nds:DARTS, nds:ENAS, nds:ResNeXt-A): the networks of one
// public NDS sweep file, read from the data directory as nds/<Sweep>.json (resolveDataFile: put the
// downloaded files under $PARZC_DATA_DIR/nds/ or data/benchmarks/nds/). Cell spaces (DARTS, ENAS, PNAS,
// NASNet, Amoeba) build the DARTS network (darts/network.ts) with each record's width and depth;
// ResNet, ResNeXt-A/B and Vanilla build AnyNet (network.ts). The slot list covers every depth that
// occurs in the file. enumerate() lists the file's distinct architectures in file order; ground truth is
// the final-epoch CIFAR-10 test accuracy (NDS has no validation split, so it is used as both), averaged
// over records of the same architecture (reruns).
import { resolveDataFile } from '../../data/paths.ts';
import { UserError } from '../../errors.ts';
import { formatGenotype, genotypeEncoding, normaliseGenotype } from '../darts/genotype.ts';
import { buildCellNetwork, cellNetworkSlots } from '../darts/network.ts';
import type { SearchSpace, SlotInfo, Truth } from '../space.ts';
import { formatNdsNet, NDS_CELL_RULES, ndsFamily, parseNdsNet, type NdsNet } from './arch.ts';
import { anyNetSlots, buildAnyNet } from './network.ts';
import { readNdsFile, type NdsRecord } from './truth.ts';

/** Stages and blocks per stage encoded for AnyNet archs (longer configs are cut). */
const ANYNET_STAGES = 5;

/** The space of a sweep's records (exported for tests, which pass fixture records). */
export function ndsSpaceOf(sweep: string, records: readonly NdsRecord[]): SearchSpace {
  const family = ndsFamily(sweep);
  const rules = NDS_CELL_RULES[family];
  const parse = (arch: string): NdsNet => parseNdsNet(arch, family);
  let slots: SlotInfo[];
  if (rules) {
    slots = cellNetworkSlots([...new Set(records.map((r) => (r.net.kind === 'cell' ? r.net.net.depth : 0)))], rules.nodes);
  } else {
    const maxDs: number[] = [];
    for (const r of records) if (r.net.kind === 'anynet') r.net.net.ds.forEach((d, s) => { maxDs[s] = Math.max(maxDs[s] ?? 0, d); });
    slots = anyNetSlots(maxDs);
  }
  const archs: string[] = [];
  const sums = new Map<string, { sum: number; n: number }>();
  for (const r of records) {
    const s = sums.get(r.arch);
    if (s) { s.sum += r.testAccuracy; s.n++; } else { sums.set(r.arch, { sum: r.testAccuracy, n: 1 }); archs.push(r.arch); }
  }
  const indexOf = new Map(archs.map((a, i) => [a, i]));
  const truth = new Map<string, Readonly<Truth>>([...sums].map(([a, { sum, n }]) => [a, Object.freeze({ val: sum / n, test: sum / n })]));
  /** Slot set check: an arch deeper than any in the file has no slots for its extra layers. */
  const built = (n: NdsNet, numClasses: number) => {
    try {
      return n.kind === 'cell'
        ? buildCellNetwork(n.net.genotype, { C: n.net.width, layers: n.net.depth, nodes: rules.nodes, affineOps: true }, slots, numClasses)
        : buildAnyNet(n.net, slots, numClasses);
    } catch (e) {
      throw new UserError(`NDS ${sweep} arch ${formatNdsNet(n).slice(0, 60)}… does not fit this file's slots (${(e as Error).message}); only depths present in nds/${sweep}.json are supported`);
    }
  };
  return {
    name: `nds:${sweep}`,
    description: `NDS ${sweep} (Radosavovic et al. 2019), ${archs.length} architectures of the sweep file`,
    slots,
    parse: (arch) => formatNdsNet(parse(arch)),
    enumerate: () => archs,
    indexOf: (arch) => indexOf.get(formatNdsNet(parse(arch))) ?? -1,
    isomorphismKey: (arch) => {
      const n = parse(arch);
      // aux and drop_prob only change training; the network is the same.
      return n.kind === 'cell' ? `${n.net.width}|${n.net.depth}|${formatGenotype(normaliseGenotype(n.net.genotype))}` : formatNdsNet(n);
    },
    encode: (arch) => {
      const n = parse(arch);
      if (n.kind === 'cell') {
        const g = genotypeEncoding(normaliseGenotype(n.net.genotype), rules);
        const out = new Float32Array(g.length + 2);
        out.set(g);
        out.set([n.net.width, n.net.depth], g.length);
        return out;
      }
      // Per stage: depth, width, stride, bottleneck multiplier, groups (zeros past the last stage).
      const c = n.net;
      const out = new Float32Array(1 + 5 * ANYNET_STAGES);
      out[0] = c.stem_w;
      c.ds.slice(0, ANYNET_STAGES).forEach((d, s) => out.set([d, c.ws[s], c.ss[s], c.bot_muls?.[s] ?? 0, c.num_gs?.[s] ?? 0], 1 + 5 * s));
      return out;
    },
    build: (arch, numClasses) => built(parse(arch), numClasses),
    truth: (dataset) => {
      if (dataset !== 'cifar10') throw new UserError(`unknown NDS dataset ${JSON.stringify(dataset)}; the CIFAR sweeps have only cifar10`);
      return truth;
    },
  };
}

const cache = new Map<string, SearchSpace>();

/** `nds:<sweep>` → the space of data file nds/<sweep>.json (read once per process). */
export function ndsSpace(sweep: string): SearchSpace {
  const cached = cache.get(sweep);
  if (cached) return cached;
  const family = ndsFamily(sweep);
  const space = ndsSpaceOf(sweep, readNdsFile(resolveDataFile(`nds/${sweep}.json`), family));
  cache.set(sweep, space);
  return space;
}

