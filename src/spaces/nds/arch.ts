// NDS architectures (Radosavovic et al. 2019, facebookresearch/nds; trained with pycls): a sweep record's
// `net`, the model config, is either a cell-based config
//   {"genotype": {"normal": [[op, input], …], "normal_concat": […], "reduce": […], "reduce_concat": […]},
//    "width": C, "depth": cells, "aux": bool, "drop_prob": p}
// or an AnyNet config (network.ts): block_type, stem_type, stem_w, ds, ws, ss, bot_muls, num_gs.
//
// Arch strings are the `net` object as compact JSON with a fixed key order (and the canonical numbers
// JSON gives), so a record's own `net` (any key order, any whitespace) parses to its arch string.
import { UserError } from '../../errors.ts';
import { validateGenotype, type Genotype, type GenotypeRules } from '../darts/genotype.ts';
import { ANYNET_STEMS, type AnyNetConfig } from './network.ts';

/** Cell spaces: their ops (NDS paper, Table 1) and nodes per cell. */
export const NDS_CELL_RULES: Record<string, GenotypeRules> = {
  DARTS: { ops: ['none', 'avg_pool_3x3', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'], nodes: 4 },
  ENAS: { ops: ['avg_pool_3x3', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5'], nodes: 5 },
  PNAS: { ops: ['avg_pool_3x3', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'sep_conv_7x7', 'conv_7x1_1x7', 'dil_conv_3x3'], nodes: 5 },
  NASNet: {
    ops: ['avg_pool_3x3', 'max_pool_3x3', 'max_pool_5x5', 'max_pool_7x7', 'skip_connect', 'conv_1x1', 'conv_3x3', 'conv_3x1_1x3', 'conv_7x1_1x7',
      'sep_conv_3x3', 'sep_conv_5x5', 'sep_conv_7x7', 'dil_conv_3x3'],
    nodes: 5,
  },
  Amoeba: { ops: ['avg_pool_3x3', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'sep_conv_7x7', 'conv_7x1_1x7', 'dil_sep_conv_3x3'], nodes: 5 },
};
/** AnyNet spaces and the block type each uses. */
export const NDS_ANYNET_BLOCK: Record<string, AnyNetConfig['block_type']> = {
  ResNet: 'res_basic_block',
  'ResNet-B': 'res_bottleneck_block',
  'ResNeXt-A': 'res_bottleneck_block',
  'ResNeXt-B': 'res_bottleneck_block',
  Vanilla: 'double_plain_block',
};

export interface CellNet { genotype: Genotype; width: number; depth: number; aux: boolean; drop_prob: number }
export type NdsNet = { kind: 'cell'; net: CellNet } | { kind: 'anynet'; net: AnyNetConfig };

/** Sweep name → family (the part before a variant suffix such as _fix-w-d, _lr-wd, _reruns, _rng1). */
export function ndsFamily(sweep: string): string {
  if (/_in(_|$)/.test(sweep)) throw new UserError(`NDS sweep ${JSON.stringify(sweep)} is an ImageNet sweep; parzc builds the CIFAR networks only`);
  const family = sweep.replace(/_(fix-w-d|lr-wd|reruns|rng\d+)$/, '');
  if (!(family in NDS_CELL_RULES) && !(family in NDS_ANYNET_BLOCK)) {
    throw new UserError(`unknown NDS sweep ${JSON.stringify(sweep)}; expected one of ${[...Object.keys(NDS_CELL_RULES), ...Object.keys(NDS_ANYNET_BLOCK)].join(', ')} (optionally with _fix-w-d, _lr-wd, _reruns, _rngN)`);
  }
  return family;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Values a field may have when it carries no information (unknown fields with these are ignored). */
const empty = (v: unknown) => v === null || v === false || (Array.isArray(v) && v.length === 0);

function intList(v: unknown, field: string, bad: (why: string) => UserError, positive = true): number[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && (!positive || x > 0))) {
    throw bad(`${field} is ${JSON.stringify(v)}; expected a list of ${positive ? 'positive ' : ''}integers`);
  }
  return v as number[];
}

function parseCellNet(o: Record<string, unknown>, rules: GenotypeRules, bad: (why: string) => UserError): CellNet {
  for (const k of Object.keys(o)) if (!['genotype', 'width', 'depth', 'aux', 'drop_prob'].includes(k) && !empty(o[k])) throw bad(`unsupported net field ${JSON.stringify(k)}`);
  const g = o.genotype;
  if (!isObject(g)) throw bad('net.genotype is missing');
  const edges = (field: string) => {
    const v = g[field];
    if (!Array.isArray(v) || !v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && Number.isInteger(e[1]))) {
      throw bad(`genotype.${field} is ${JSON.stringify(v)?.slice(0, 60)}; expected a list of [op, input] pairs`);
    }
    return v.map((e) => [e[0], e[1]] as const);
  };
  const genotype: Genotype = {
    normal: edges('normal'), normalConcat: intList(g.normal_concat, 'genotype.normal_concat', bad, false),
    reduce: edges('reduce'), reduceConcat: intList(g.reduce_concat, 'genotype.reduce_concat', bad, false),
  };
  validateGenotype(genotype, rules, bad);
  const [width, depth] = [o.width, o.depth];
  if (!Number.isInteger(width) || (width as number) < 1) throw bad(`width is ${JSON.stringify(width)}; expected a positive integer`);
  if (!Number.isInteger(depth) || (depth as number) < 3) throw bad(`depth is ${JSON.stringify(depth)}; expected an integer ≥ 3`);
  const drop = o.drop_prob ?? 0;
  if (typeof drop !== 'number') throw bad(`drop_prob is ${JSON.stringify(drop)}; expected a number`);
  return { genotype, width: width as number, depth: depth as number, aux: o.aux === true, drop_prob: drop };
}

function parseAnyNet(o: Record<string, unknown>, block: AnyNetConfig['block_type'], bad: (why: string) => UserError): AnyNetConfig {
  const known = ['block_type', 'stem_type', 'stem_w', 'ds', 'ws', 'ss', 'bot_muls', 'num_gs'];
  for (const k of Object.keys(o)) if (!known.includes(k) && !empty(o[k])) throw bad(`unsupported net field ${JSON.stringify(k)}`);
  if (o.block_type !== block) throw bad(`block_type is ${JSON.stringify(o.block_type)}; this space uses ${block}`);
  const stem = o.stem_type ?? 'res_stem_cifar';
  if (!(ANYNET_STEMS as readonly unknown[]).includes(stem)) throw bad(`stem_type ${JSON.stringify(stem)} is not one of ${ANYNET_STEMS.join(', ')}`);
  if (!Number.isInteger(o.stem_w) || (o.stem_w as number) < 1) throw bad(`stem_w is ${JSON.stringify(o.stem_w)}; expected a positive integer`);
  const ds = intList(o.ds, 'ds', bad, false);
  const ws = intList(o.ws, 'ws', bad);
  const ss = intList(o.ss, 'ss', bad);
  if (ws.length !== ds.length || ss.length !== ds.length) throw bad(`ds, ws and ss have ${ds.length}, ${ws.length} and ${ss.length} stages; expected equal`);
  if (ss.some((s) => s > 2)) throw bad(`ss ${JSON.stringify(ss)}: strides must be 1 or 2`);
  let bot: number[] | null = null;
  let gs: number[] | null = null;
  if (block === 'res_bottleneck_block') {
    if (!Array.isArray(o.bot_muls) || o.bot_muls.length !== ds.length || !o.bot_muls.every((b) => typeof b === 'number' && b > 0)) {
      throw bad(`bot_muls is ${JSON.stringify(o.bot_muls)}; expected one positive number per stage`);
    }
    bot = o.bot_muls as number[];
    gs = intList(o.num_gs, 'num_gs', bad);
    if (gs.length !== ds.length) throw bad(`num_gs has ${gs.length} entries; expected one per stage (${ds.length})`);
    ws.forEach((w, s) => {
      const wb = Math.round(w * bot![s]);
      if (wb % gs![s]) throw bad(`stage ${s}: bottleneck width ${wb} (= ${w} × ${bot![s]}) is not divisible by num_gs ${gs![s]}`);
    });
  }
  return { block_type: block, stem_type: stem as AnyNetConfig['stem_type'], stem_w: o.stem_w as number, ds, ws, ss, bot_muls: bot, num_gs: gs };
}

/** Canonical arch string of a parsed net. */
export function formatNdsNet(n: NdsNet): string {
  if (n.kind === 'anynet') {
    const c = n.net;
    return JSON.stringify({ block_type: c.block_type, stem_type: c.stem_type, stem_w: c.stem_w, ds: c.ds, ws: c.ws, ss: c.ss, bot_muls: c.bot_muls, num_gs: c.num_gs });
  }
  const { genotype: g, width, depth, aux, drop_prob } = n.net;
  return JSON.stringify({
    genotype: { normal: g.normal, normal_concat: g.normalConcat, reduce: g.reduce, reduce_concat: g.reduceConcat },
    width, depth, aux, drop_prob,
  });
}

/** Parses a record's `net` (an object, or its JSON text) for a family; one-line UserError otherwise. */
export function parseNdsNet(net: unknown, family: string): NdsNet {
  const text = typeof net === 'string' ? net : JSON.stringify(net);
  const bad = (why: string) => new UserError(`invalid NDS ${family} net ${text?.slice(0, 60)}${(text?.length ?? 0) > 60 ? '…' : ''}: ${why}`);
  let o = net;
  if (typeof net === 'string') {
    try {
      o = JSON.parse(net);
    } catch {
      throw bad('not JSON (an NDS arch is the record\'s "net" object)');
    }
  }
  if (!isObject(o)) throw bad('expected a JSON object');
  const rules = NDS_CELL_RULES[family];
  return rules ? { kind: 'cell', net: parseCellNet(o, rules, bad) } : { kind: 'anynet', net: parseAnyNet(o, NDS_ANYNET_BLOCK[family], bad) };
}
