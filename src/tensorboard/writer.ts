// Writes TensorBoard event files (TFRecord-framed Event protos) without TensorFlow.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  DATA_CLASS_TENSOR,
  DT_STRING,
  encodeEvent,
  type EventMessage,
  type HistogramProto,
  type SummaryValue,
} from './proto.ts';
import { frameRecord } from './tfrecord.ts';

/** Summary.Image colorspace for RGBA, which is what encodePng produces. */
const COLORSPACE_RGBA = 4;

/** Opens a fresh event file; a `.N` suffix avoids clobbering a writer started in the same second. */
function createEventFile(logdir: string): { path: string; fd: number } {
  const base = join(logdir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}`);
  for (let n = 0; ; n++) {
    const path = n === 0 ? base : `${base}.${n}`;
    try {
      return { path, fd: openSync(path, 'wx') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Equal-width buckets between the min and max of the finite values; bucket_limit holds each bucket's
 * right edge (as tensorboardX does), so the last limit is the max. Non-finite values are left out of
 * every statistic; with no finite values the histogram is a single empty bucket at 0.
 */
export function makeHistogram(values: ArrayLike<number>, bucketCount = 30): HistogramProto {
  let min = Infinity;
  let max = -Infinity;
  let num = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    num++;
    sum += v;
    sumSquares += v * v;
  }
  if (num === 0) return { min: 0, max: 0, num: 0, sum: 0, sum_squares: 0, bucket_limit: [0], bucket: [0] };
  const count = max > min ? bucketCount : 1;
  const width = (max - min) / count;
  const bucket = new Array<number>(count).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) bucket[Math.min(count - 1, Math.floor((v - min) / width) || 0)]++;
  }
  const bucket_limit = bucket.map((_, k) => (k === count - 1 ? max : min + (k + 1) * width));
  return { min, max, num, sum, sum_squares: sumSquares, bucket_limit, bucket };
}

/**
 * Appends summaries to `<logdir>/events.out.tfevents.<unix seconds>.<hostname>`. Every record is
 * written straight to the file descriptor (no user-space buffering), so a crash loses nothing
 * already logged; flush() additionally fsyncs against OS crashes.
 */
export class SummaryWriter {
  readonly path: string;
  private fd: number | null;

  constructor(logdir: string) {
    mkdirSync(logdir, { recursive: true });
    const { path, fd } = createEventFile(logdir);
    this.path = path;
    this.fd = fd;
    this.writeEvent({ wall_time: Date.now() / 1000, step: 0, file_version: 'brain.Event:2' });
  }

  scalar(tag: string, value: number, step: number): void {
    this.writeSummary(step, { tag, simple_value: value });
  }

  /** Markdown text, shown by TensorBoard's text plugin. */
  text(tag: string, markdown: string, step: number): void {
    this.writeSummary(step, {
      tag,
      metadata: { plugin_data: { plugin_name: 'text' }, data_class: DATA_CLASS_TENSOR },
      tensor: { dtype: DT_STRING, tensor_shape: { dim: [] }, string_val: [Buffer.from(markdown, 'utf8')] },
    });
  }

  /** Histogram of `values` (see makeHistogram for bucketing and non-finite values). */
  histogram(tag: string, values: ArrayLike<number>, step: number, buckets = 30): void {
    this.writeSummary(step, { tag, histo: makeHistogram(values, buckets) });
  }

  /** An encoded PNG (e.g. from scatterPlotPng), declared as RGBA. */
  image(tag: string, png: Uint8Array, width: number, height: number, step: number): void {
    this.writeSummary(step, {
      tag,
      image: { height, width, colorspace: COLORSPACE_RGBA, encoded_image_string: png },
    });
  }

  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  /** Flushes and closes the file; further writes throw. Closing twice is harmless. */
  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }

  private writeSummary(step: number, value: SummaryValue): void {
    if (!Number.isSafeInteger(step)) throw new Error(`step must be an integer, got ${step}`);
    this.writeEvent({ wall_time: Date.now() / 1000, step, summary: { value: [value] } });
  }

  private writeEvent(event: EventMessage): void {
    if (this.fd === null) throw new Error(`SummaryWriter for ${this.path} is closed`);
    const record = frameRecord(encodeEvent(event));
    for (let off = 0; off < record.length; ) off += writeSync(this.fd, record, off);
  }
}
