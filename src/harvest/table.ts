import {
  Dictionary, Field, Float32, Float64, Int8, Int16, Int32, makeData, RecordBatch, RecordBatchFileWriter, Schema, Struct,
  tableFromIPC, Utf8, vectorFromArray, type Data, type Table, type Vector,
} from 'apache-arrow';
import { createWriteStream, existsSync, readFileSync, renameSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { UserError } from '../errors.ts';
import type { CellRecord } from './record.ts';
import type { HarvestSettings } from './settings.ts';

// The harvest table format (README "Output contract"): this module alone knows its column names and
// metadata keys; everything else writes and reads harvests through writeTables and readHarvestTables.

/** Fixed columns: the node table has arch, arch_index, node, node_name, node_type, then one Float32 per
 * node proxy; the cells table arch, arch_index, one Float64 per network proxy, then seconds. */
export const COLUMNS = {
  arch: 'arch', archIndex: 'arch_index', node: 'node', nodeName: 'node_name', nodeType: 'node_type', seconds: 'seconds',
} as const;

/** Schema metadata keys (the same in both tables), in the order they are written. */
export const META = {
  space: 'space', dataset: 'dataset', batchSize: 'batch_size', microBatch: 'micro_batch', seed: 'seed', archs: 'archs',
  shard: 'shard', proxies: 'proxies', nodeProxies: 'node_proxies', networkProxies: 'network_proxies', backend: 'backend',
  parzcVersion: 'parzc_version', cells: 'cells', plannedCells: 'planned_cells', complete: 'complete', settings: 'settings',
  proxyDescriptions: 'proxy_descriptions', slots: 'slots',
} as const;

/** Cells per record batch: bounds the writer's memory whatever the number of cells. */
const CELLS_PER_BATCH = 512;

/** What a harvest records about itself in the schema metadata. */
export interface HarvestMetadata {
  space: string;
  dataset: string;
  batchSize: number;
  microBatch: number;
  seed: number;
  /** The archs setting: all, unique, a count or a file. */
  archs: string;
  shard: string | null;
  proxies: string[];
  backend: string;
  parzcVersion: string;
  /** Cells in the table and in the plan (their equality is written as `complete`). */
  cells: number;
  plannedCells: number;
  /** settingsKey of the harvest. */
  settings: string;
  proxyDescriptions: Record<string, string>;
  slots: readonly unknown[];
}

export interface TableMeta {
  nodeProxies: string[];
  networkProxies: string[];
  /** The same in both tables; a field left out is not written (test fixtures write only what the reader needs). */
  metadata: Pick<HarvestMetadata, 'space'> & Partial<HarvestMetadata>;
  /** Every arch and node type that may appear (dictionary encodings are fixed for the whole file). */
  archs: string[];
  slotNames: string[];
  nodeTypes: string[];
}

function encodeMetadata(meta: TableMeta): Map<string, string> {
  const m = meta.metadata;
  const text = (v: { toString(): string } | undefined) => v?.toString();
  const json = (v: unknown) => (v === undefined ? undefined : JSON.stringify(v));
  const entries: [string, string | undefined][] = [
    [META.space, m.space], [META.dataset, m.dataset], [META.batchSize, text(m.batchSize)], [META.microBatch, text(m.microBatch)],
    [META.seed, text(m.seed)], [META.archs, m.archs], [META.shard, m.shard === undefined ? undefined : m.shard ?? ''],
    [META.proxies, m.proxies?.join(',')], [META.nodeProxies, meta.nodeProxies.join(',')],
    [META.networkProxies, meta.networkProxies.join(',')], [META.backend, m.backend], [META.parzcVersion, m.parzcVersion],
    [META.cells, text(m.cells)], [META.plannedCells, text(m.plannedCells)],
    [META.complete, m.cells === undefined || m.plannedCells === undefined ? undefined : String(m.cells === m.plannedCells)],
    [META.settings, m.settings], [META.proxyDescriptions, json(m.proxyDescriptions)], [META.slots, json(m.slots)],
  ];
  return new Map(entries.filter((e): e is [string, string] => e[1] !== undefined));
}

/** Path of the network-level table that goes with a node table. */
export const cellsTablePath = (nodesPath: string) => nodesPath.replace(/(\.arrow)?$/, '.cells.arrow');

function validity(values: ArrayLike<number | null>): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || Number.isNaN(v)) nulls++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return { bitmap, nulls };
}

function floatColumn(type: Float32 | Float64, values: Float32Array | Float64Array): Data {
  const { bitmap, nulls } = validity(values);
  return makeData({ type, length: values.length, nullCount: nulls, data: values, nullBitmap: nulls ? bitmap : undefined } as any);
}

type DictIndex = Int8 | Int16 | Int32;

/** Dictionary-encoded Utf8 with the narrowest signed index type that holds the dictionary: node types
 * need one byte per row, slot names and the archs of a table up to 32,767 cells two (a quarter of a
 * node row's bytes with Int32 indices everywhere). */
class DictColumn {
  readonly type: Dictionary<Utf8, DictIndex>;
  readonly dictionary: Vector<Utf8>;
  private readonly lookup: Map<string, number>;
  private readonly Indices: Int8ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor;
  constructor(id: number, values: string[]) {
    const [index, Indices] = values.length <= 0x7f ? [new Int8(), Int8Array] as const
      : values.length <= 0x7fff ? [new Int16(), Int16Array] as const : [new Int32(), Int32Array] as const;
    this.type = new Dictionary(new Utf8(), index, id);
    this.Indices = Indices;
    this.dictionary = vectorFromArray(values, new Utf8());
    this.lookup = new Map(values.map((v, i) => [v, i]));
  }
  data(values: string[]): Data {
    const idx = new this.Indices(values.length);
    values.forEach((v, k) => {
      const i = this.lookup.get(v);
      if (i === undefined) throw new Error(`value "${v}" missing from its dictionary`);
      idx[k] = i;
    });
    return makeData({ type: this.type, length: idx.length, nullCount: 0, data: idx, dictionary: this.dictionary } as any);
  }
}

function batchOf(schema: Schema, columns: Data[]): RecordBatch {
  const length = columns[0].length;
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: columns }));
}

/** Streams record batches into an Arrow IPC file (uncompressed, which every Arrow reader accepts),
 * written under a temporary name and renamed when complete. */
class FileSink {
  private writer = new RecordBatchFileWriter();
  private stream;
  constructor(private path: string) {
    this.stream = createWriteStream(`${path}.tmp`);
    this.writer.toNodeStream().pipe(this.stream);
  }
  write(b: RecordBatch) {
    this.writer.write(b);
  }
  async close() {
    this.writer.finish();
    await finished(this.stream);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

/** Writes the node table (one row per architecture and node) and the cells table (one row per
 * architecture, network-level proxies) from records in plan order. */
export async function writeTables(path: string, records: Iterable<CellRecord>, meta: TableMeta): Promise<number> {
  const metadata = encodeMetadata(meta);
  const archDict = new DictColumn(0, meta.archs);
  const nameDict = new DictColumn(1, meta.slotNames);
  const typeDict = new DictColumn(2, meta.nodeTypes);
  const nodeSchema = new Schema([
    new Field(COLUMNS.arch, archDict.type, false),
    new Field(COLUMNS.archIndex, new Int32(), false),
    new Field(COLUMNS.node, new Int32(), false),
    new Field(COLUMNS.nodeName, nameDict.type, false),
    new Field(COLUMNS.nodeType, typeDict.type, false),
    ...meta.nodeProxies.map((p) => new Field(p, new Float32(), true)),
  ], metadata);
  const cellSchema = new Schema([
    new Field(COLUMNS.arch, archDict.type, false),
    new Field(COLUMNS.archIndex, new Int32(), false),
    ...meta.networkProxies.map((p) => new Field(p, new Float64(), true)),
    new Field(COLUMNS.seconds, new Float32(), false),
  ], metadata);
  const nodes = new FileSink(path);
  const cells = new FileSink(cellsTablePath(path));
  const P = meta.nodeProxies.length;
  let pending: CellRecord[] = [];
  let count = 0;
  const flush = () => {
    if (!pending.length) return;
    const rows = pending.reduce((a, r) => a + r.slots.length, 0);
    const arch: string[] = [], names: string[] = [], types: string[] = [];
    const archIndex = new Int32Array(rows), node = new Int32Array(rows);
    const proxyCols = meta.nodeProxies.map(() => new Float32Array(rows));
    let row = 0;
    for (const r of pending) {
      r.slots.forEach((slot, k) => {
        arch.push(r.arch); names.push(r.names[k]); types.push(r.types[k]);
        archIndex[row] = r.index;
        node[row] = slot;
        for (let p = 0; p < P; p++) proxyCols[p][row] = r.values[k * P + p];
        row++;
      });
    }
    nodes.write(batchOf(nodeSchema, [
      archDict.data(arch), makeData({ type: new Int32(), data: archIndex }), makeData({ type: new Int32(), data: node }),
      nameDict.data(names), typeDict.data(types), ...proxyCols.map((c) => floatColumn(new Float32(), c)),
    ]));
    cells.write(batchOf(cellSchema, [
      archDict.data(pending.map((r) => r.arch)),
      makeData({ type: new Int32(), data: Int32Array.from(pending, (r) => r.index) }),
      ...meta.networkProxies.map((_, j) => floatColumn(new Float64(), Float64Array.from(pending, (r) => r.network[j] ?? Number.NaN))),
      makeData({ type: new Float32(), data: Float32Array.from(pending, (r) => r.seconds) }),
    ]));
    pending = [];
  };
  for (const r of records) {
    pending.push(r);
    count++;
    if (pending.length >= CELLS_PER_BATCH) flush();
  }
  flush();
  await Promise.all([nodes.close(), cells.close()]);
  return count;
}

/** Reads an Arrow IPC file, turning a corrupt or truncated file into a one-line error. */
function readTable(path: string): Table {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new UserError(`cannot read ${path}: no such file`);
  }
  try {
    const t = tableFromIPC(buf);
    if (!t.schema.fields.length) throw new Error('no schema');
    return t;
  } catch (e) {
    throw new UserError(`${path} is not a readable Arrow IPC file (${(e as Error).message.split('\n')[0]})`);
  }
}

/** The settings as settingsKey stores them: HarvestSettings and the backend, `images` and `revisions` when present. */
export type StoredSettings = HarvestSettings & { backend: string; images?: string; revisions?: Record<string, number> };

/** A harvest's schema metadata, parsed (what a table lacks is undefined: tables of test fixtures or other tools). */
export interface ParsedMetadata {
  space: string;
  nodeProxies: string[];
  networkProxies: string[];
  /** The space's slots when the table was written (a space may have grown slots since). */
  slots?: readonly unknown[];
  /** The archs setting: all, unique, a count or a file. */
  archs?: string;
  /** settingsKey as written (equal settings are equal strings) and its parse. */
  settingsKey?: string;
  settings?: StoredSettings;
  backend?: string;
  /** Every planned cell is in the table. */
  complete: boolean;
  /** What the statistics were measured with, by metadata name (`images` from the settings): dataset, images,
   * batch_size, micro_batch, seed. Tables joined as one must agree on them. */
  measuredWith: Record<string, string>;
}


/** A JSON-valued metadata entry (undefined when absent or empty). */
function jsonEntry(path: string, meta: Map<string, string>, key: string, shape: 'list' | 'object'): unknown {
  const text = meta.get(key);
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch { /* reported below */ }
  const ok = shape === 'list' ? Array.isArray(value) : typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!ok) throw new UserError(`${path}: schema metadata "${key}" is not a valid JSON ${shape}`);
  return value;
}

function parseMetadata(path: string, meta: Map<string, string>): ParsedMetadata {
  const space = meta.get(META.space);
  if (!space) throw new UserError(`${path} has no "${META.space}" in its schema metadata`);
  const list = (key: string) => (meta.get(key) ?? '').split(',').filter(Boolean);
  const settings = jsonEntry(path, meta, META.settings, 'object') as StoredSettings | undefined;
  // What fixes a harvest's batch and initialisations (the backend only moves round-off).
  const measured: Record<string, string | undefined> = {
    [META.dataset]: meta.get(META.dataset), images: settings?.images, [META.batchSize]: meta.get(META.batchSize),
    [META.microBatch]: meta.get(META.microBatch), [META.seed]: meta.get(META.seed),
  };
  return {
    space, nodeProxies: list(META.nodeProxies), networkProxies: list(META.networkProxies),
    slots: jsonEntry(path, meta, META.slots, 'list') as readonly unknown[] | undefined,
    archs: meta.get(META.archs), settingsKey: meta.get(META.settings), settings, backend: meta.get(META.backend),
    complete: meta.get(META.complete) === 'true',
    measuredWith: Object.fromEntries(Object.entries(measured).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')),
  };
}

/** A harvest's node and cells tables with their metadata. */
export interface HarvestTables {
  path: string;
  cellsPath: string;
  nodes: Table;
  cells: Table;
  meta: ParsedMetadata;
  /** A column of the node table (COLUMNS or a node proxy) or of the cells table; a missing one is a UserError. */
  nodeColumn(name: string): Vector;
  cellColumn(name: string): Vector;
}

/** Reads a harvest node table and its `.cells.arrow` sibling. */
export function readHarvestTables(path: string): HarvestTables {
  if (!existsSync(path)) throw new UserError(`harvest table ${path} does not exist`);
  const cellsPath = cellsTablePath(path);
  if (!existsSync(cellsPath)) throw new UserError(`harvest cells table ${cellsPath} (next to ${path}) does not exist`);
  const nodes = readTable(path);
  const cells = readTable(cellsPath);
  const column = (t: Table, tablePath: string, name: string) => {
    const c = t.getChild(name);
    if (!c) throw new UserError(`harvest table ${tablePath} has no column "${name}"`);
    return c;
  };
  return {
    path, cellsPath, nodes, cells, meta: parseMetadata(path, nodes.schema.metadata),
    nodeColumn: (name) => column(nodes, path, name),
    cellColumn: (name) => column(cells, cellsPath, name),
  };
}

/** Turns a harvest's tables back into records (plan positions are re-derived by the caller). */
export function tablesToRecords(t: HarvestTables): CellRecord[] {
  const byArch = new Map<string, CellRecord>();
  const cArch = t.cellColumn(COLUMNS.arch), cIndex = t.cellColumn(COLUMNS.archIndex), cSec = t.cellColumn(COLUMNS.seconds);
  const netCols = t.meta.networkProxies.map((p) => t.cellColumn(p));
  const records: CellRecord[] = [];
  for (let i = 0; i < t.cells.numRows; i++) {
    const r: CellRecord = {
      position: -1, arch: cArch.get(i) as string, index: cIndex.get(i) as number, slots: [], names: [], types: [],
      values: new Float32Array(0), network: netCols.map((c) => (c.get(i) as number | null) ?? null), seconds: cSec.get(i) as number,
    };
    byArch.set(r.arch, r);
    records.push(r);
  }
  const nArch = t.nodeColumn(COLUMNS.arch), nNode = t.nodeColumn(COLUMNS.node);
  const nName = t.nodeColumn(COLUMNS.nodeName), nType = t.nodeColumn(COLUMNS.nodeType);
  const proxyCols = t.meta.nodeProxies.map((p) => t.nodeColumn(p));
  const values = new Map<CellRecord, number[]>();
  for (let i = 0; i < t.nodes.numRows; i++) {
    const r = byArch.get(nArch.get(i) as string);
    if (!r) throw new UserError(`${t.path}: node table row ${i} names an arch missing from the cells table`);
    r.slots.push(nNode.get(i) as number);
    r.names.push(nName.get(i) as string);
    r.types.push(nType.get(i) as string);
    const v = values.get(r) ?? [];
    for (const c of proxyCols) v.push((c.get(i) as number | null) ?? Number.NaN);
    values.set(r, v);
  }
  for (const r of records) r.values = Float32Array.from(values.get(r) ?? []);
  return records;
}
