// The public NDS sweep files (facebookresearch/nds): `<Sweep>.json`, a list of records, or
// {"top": [...], "mid": [...]}. A record has `net` (the model config, arch.ts), `test_ep_top1` (CIFAR-10
// test top-1 error per epoch, percent), `params`, `flops` and training statistics that are not read here.
import { readBenchmarkFile, type BadFile } from '../../data/benchmark-file.ts';
import { formatNdsNet, parseNdsNet, type NdsNet } from './arch.ts';

export interface NdsRecord {
  arch: string;
  net: NdsNet;
  /** 100 − the last epoch's test top-1 error. */
  testAccuracy: number;
  params: number;
  flops: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readRecords(raw: unknown, bad: BadFile, family: string): NdsRecord[] {
  const list = Array.isArray(raw) ? raw : isObject(raw) && Array.isArray(raw.top) && Array.isArray(raw.mid) ? [...raw.top, ...raw.mid] : null;
  if (!list) throw bad('expected a list of records or {"top": [...], "mid": [...]}');
  if (list.length === 0) throw bad('no records');
  return list.map((rec, i) => {
    if (!isObject(rec)) throw bad(`record ${i} is not an object`);
    let net: NdsNet;
    try {
      net = parseNdsNet(rec.net, family);
    } catch (e) {
      throw bad(`record ${i}: ${(e as Error).message}`);
    }
    const errs = rec.test_ep_top1;
    if (!Array.isArray(errs) || errs.length === 0 || !errs.every((v) => typeof v === 'number' && v >= 0 && v <= 100)) {
      throw bad(`record ${i}: test_ep_top1 is ${JSON.stringify(errs)?.slice(0, 40)}; expected per-epoch top-1 errors (percent)`);
    }
    const num = (f: string) => (typeof rec[f] === 'number' ? (rec[f] as number) : Number.NaN);
    return { arch: formatNdsNet(net), net, testAccuracy: 100 - errs[errs.length - 1], params: num('params'), flops: num('flops') };
  });
}

/** Reads a sweep file at any path (tests pass fixtures); records in file order ("top" before "mid").
 * ndsSpace keeps the space built from them, so the file is not kept here. */
export function readNdsFile(path: string, family: string): NdsRecord[] {
  return readBenchmarkFile(path, 'NDS file', 'json', (raw, bad) => readRecords(raw, bad, family));
}
