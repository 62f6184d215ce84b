import {
  Dictionary, Field, Float32, Float64, Int8, Int16, Int32, makeData, RecordBatch, RecordBatchFileWriter, Schema, Struct,
  tableFromIPC, Utf8, vectorFromArray, type Data, type DataType, type Table, type Vector,
} from 'apache-arrow';
import { createWriteStream, readFileSync, renameSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { UserError } from '../errors.ts';
import type { CellRecord } from './record.ts';

/** Cells per record batch: bounds the writer's memory whatever the number of cells. */
const CELLS_PER_BATCH = 512;

export interface TableMeta {
  nodeProxies: string[];
  networkProxies: string[];
  /** Schema metadata (string values), the same in both tables. */
  metadata: Record<string, string>;
  /** Every arch and node type that may appear (dictionary encodings are fixed for the whole file). */
  archs: string[];
  slotNames: string[];
  nodeTypes: string[];
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
  const metadata = new Map(Object.entries(meta.metadata));
  const archDict = new DictColumn(0, meta.archs);
  const nameDict = new DictColumn(1, meta.slotNames);
  const typeDict = new DictColumn(2, meta.nodeTypes);
  const nodeSchema = new Schema([
    new Field('arch', archDict.type, false),
    new Field('arch_index', new Int32(), false),
    new Field('node', new Int32(), false),
    new Field('node_name', nameDict.type, false),
    new Field('node_type', typeDict.type, false),
    ...meta.nodeProxies.map((p) => new Field(p, new Float32(), true)),
  ], metadata);
  const cellSchema = new Schema([
    new Field('arch', archDict.type, false),
    new Field('arch_index', new Int32(), false),
    ...meta.networkProxies.map((p) => new Field(p, new Float64(), true)),
    new Field('seconds', new Float32(), false),
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
export function readTable(path: string): Table {
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

/** Turns a node table and its cells table back into records (plan positions are re-derived by the caller). */
export function tablesToRecords(nodeTable: Table, cellTable: Table, nodeProxies: string[], networkProxies: string[]): CellRecord[] {
  const col = <T extends DataType>(t: Table, name: string) => {
    const c = t.getChild(name);
    if (!c) throw new UserError(`harvest table has no column "${name}"`);
    return c as Vector<T>;
  };
  const byArch = new Map<string, CellRecord>();
  const cArch = col(cellTable, 'arch'), cIndex = col(cellTable, 'arch_index'), cSec = col(cellTable, 'seconds');
  const netCols = networkProxies.map((p) => col(cellTable, p));
  const records: CellRecord[] = [];
  for (let i = 0; i < cellTable.numRows; i++) {
    const r: CellRecord = {
      position: -1, arch: cArch.get(i) as string, index: cIndex.get(i) as number, slots: [], names: [], types: [],
      values: new Float32Array(0), network: netCols.map((c) => (c.get(i) as number | null) ?? null), seconds: cSec.get(i) as number,
    };
    byArch.set(r.arch, r);
    records.push(r);
  }
  const nArch = col(nodeTable, 'arch'), nNode = col(nodeTable, 'node'), nName = col(nodeTable, 'node_name'), nType = col(nodeTable, 'node_type');
  const proxyCols = nodeProxies.map((p) => col(nodeTable, p));
  const values = new Map<CellRecord, number[]>();
  for (let i = 0; i < nodeTable.numRows; i++) {
    const r = byArch.get(nArch.get(i) as string);
    if (!r) throw new UserError(`node table row ${i} names an arch missing from the cells table`);
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
