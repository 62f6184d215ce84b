// Independent decoders for the TensorBoard tests: TFRecord framing, protobuf wire format and PNG
// are parsed by hand here (no protobufjs, no @node-rs/crc32) so the tests do not just mirror the
// writer's own libraries.
import * as assert from 'uvu/assert';
import { inflateSync } from 'node:zlib';

function crcTable(poly: number): Uint32Array {
  return Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    return c >>> 0;
  });
}
const CRC32C_TABLE = crcTable(0x82f63b78); // Castagnoli, reflected
const CRC32_TABLE = crcTable(0xedb88320); // IEEE 802.3, as in PNG

function crc(table: Uint32Array, data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
export const refCrc32c = (data: Uint8Array) => crc(CRC32C_TABLE, data);
export const refCrc32 = (data: Uint8Array) => crc(CRC32_TABLE, data);
export const maskCrc = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** Splits a TFRecord file into payloads, asserting both CRCs of every record. */
export function readRecords(file: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < file.length) {
    assert.ok(off + 12 <= file.length, 'truncated record header');
    const len = Number(file.readBigUInt64LE(off));
    assert.is(file.readUInt32LE(off + 8), maskCrc(refCrc32c(file.subarray(off, off + 8))), 'length CRC');
    const data = file.subarray(off + 12, off + 12 + len);
    assert.is(data.length, len, 'truncated record data');
    assert.is(file.readUInt32LE(off + 12 + len), maskCrc(refCrc32c(data)), 'data CRC');
    out.push(data);
    off += 12 + len + 4;
  }
  return out;
}

/** One protobuf field occurrence: varints as bigint, everything else as raw bytes. */
export interface WireField {
  wire: number;
  varint?: bigint;
  bytes?: Buffer;
}
export type Message = Map<number, WireField[]>;

function readVarint(buf: Buffer, pos: { off: number }): bigint {
  let result = 0n;
  for (let shift = 0n; ; shift += 7n) {
    const b = buf[pos.off++];
    assert.ok(b !== undefined, 'truncated varint');
    result |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return result;
  }
}

export function parseMessage(buf: Buffer): Message {
  const msg: Message = new Map();
  const pos = { off: 0 };
  while (pos.off < buf.length) {
    const key = Number(readVarint(buf, pos));
    const field = key >>> 3;
    const wire = key & 7;
    let entry: WireField;
    if (wire === 0) entry = { wire, varint: readVarint(buf, pos) };
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      entry = { wire, bytes: buf.subarray(pos.off, pos.off + n) };
      pos.off += n;
    } else if (wire === 2) {
      const n = Number(readVarint(buf, pos));
      entry = { wire, bytes: buf.subarray(pos.off, pos.off + n) };
      pos.off += n;
    } else throw new Error(`unexpected wire type ${wire}`);
    assert.ok(pos.off <= buf.length, 'truncated field');
    msg.set(field, [...(msg.get(field) ?? []), entry]);
  }
  return msg;
}

function one(msg: Message, field: number, wire: number): WireField | undefined {
  const all = msg.get(field);
  if (!all) return undefined;
  assert.is(all.length, 1, `field ${field} repeated`);
  assert.is(all[0].wire, wire, `field ${field} wire type`);
  return all[0];
}
export const double = (m: Message, f: number) => one(m, f, 1)?.bytes?.readDoubleLE(0);
export const float = (m: Message, f: number) => one(m, f, 5)?.bytes?.readFloatLE(0);
export const int = (m: Message, f: number) => {
  const v = one(m, f, 0)?.varint;
  return v === undefined ? undefined : Number(v);
};
export const bytes = (m: Message, f: number) => one(m, f, 2)?.bytes;
export const str = (m: Message, f: number) => bytes(m, f)?.toString('utf8');
export const sub = (m: Message, f: number) => {
  const b = bytes(m, f);
  return b && parseMessage(b);
};
export const repeatedSub = (m: Message, f: number) => (m.get(f) ?? []).map((e) => parseMessage(e.bytes!));
export const repeatedBytes = (m: Message, f: number) => (m.get(f) ?? []).map((e) => e.bytes!);
/** Packed repeated double. */
export const doubles = (m: Message, f: number) => {
  const b = bytes(m, f) ?? Buffer.alloc(0);
  return Array.from({ length: b.length / 8 }, (_, i) => b.readDoubleLE(i * 8));
};

export interface DecodedPng {
  width: number;
  height: number;
  rgba: Buffer;
}

/** Decodes an 8-bit RGBA, non-interlaced PNG whose scanlines all use filter 0, checking chunk CRCs. */
export function decodePng(png: Uint8Array): DecodedPng {
  const buf = Buffer.from(png);
  assert.equal([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'signature');
  let off = 8;
  const chunks: { type: string; data: Buffer }[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    assert.is(buf.readUInt32BE(off + 8 + len), refCrc32(buf.subarray(off + 4, off + 8 + len)), `${type} CRC`);
    chunks.push({ type, data });
    off += 12 + len;
  }
  assert.is(off, buf.length);
  assert.equal(chunks.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
  const ihdr = chunks[0].data;
  assert.is(ihdr.length, 13);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  assert.equal([...ihdr.subarray(8)], [8, 6, 0, 0, 0], 'bit depth 8, RGBA, deflate, no interlace');
  const raw = inflateSync(chunks[1].data);
  const stride = width * 4;
  assert.is(raw.length, (stride + 1) * height);
  const rgba = Buffer.alloc(stride * height);
  for (let row = 0; row < height; row++) {
    assert.is(raw[row * (stride + 1)], 0, 'filter type');
    raw.copy(rgba, row * stride, row * (stride + 1) + 1, (row + 1) * (stride + 1));
  }
  return { width, height, rgba };
}
