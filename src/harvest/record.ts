/** One harvested architecture: what a worker sends back and what the journal stores per line. */
export interface CellRecord {
  position: number;
  arch: string;
  index: number;
  /** Slot, name and type of each node present in this architecture, in slot order. */
  slots: number[];
  names: string[];
  types: string[];
  /** Node values, [node][proxy] row-major, NaN for null (never a real value: non-finite becomes null). */
  values: Float32Array;
  /** Network-level values in network-proxy order (null: undefined for this network). */
  network: (number | null)[];
  seconds: number;
}

export function encodeRecord(r: CellRecord): string {
  const values = Buffer.from(r.values.buffer, r.values.byteOffset, r.values.byteLength).toString('base64');
  return JSON.stringify({ ...r, values });
}

export function decodeRecord(line: string): CellRecord {
  const o = JSON.parse(line);
  const buf = Buffer.from(o.values, 'base64');
  const values = new Float32Array(buf.byteLength / 4);
  new Uint8Array(values.buffer).set(buf);
  return { ...o, values };
}
