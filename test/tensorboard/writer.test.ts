import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { makeHistogram, SummaryWriter } from '../../src/tensorboard/writer.ts';
import { frameRecord, maskedCrc32c } from '../../src/tensorboard/tfrecord.ts';
import { encodePng } from '../../src/tensorboard/png.ts';
import {
  bytes,
  double,
  doubles,
  float,
  int,
  maskCrc,
  parseMessage,
  readRecords,
  refCrc32c,
  repeatedBytes,
  repeatedSub,
  str,
  sub,
  type Message,
} from './decode.ts';

const tmp = mkdtempSync(join(tmpdir(), 'parzc-tb-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => join(tmp, `run${dirCount++}`);

/** Event → { step, wallTime, the single Summary.Value } for summary events. */
function summaryValue(event: Message): { step: number; wallTime: number; value: Message } {
  const values = repeatedSub(sub(event, 5)!, 1);
  assert.is(values.length, 1);
  return { step: int(event, 2) ?? 0, wallTime: double(event, 1)!, value: values[0] };
}

test('CRC32C reference check and masking', () => {
  const check = Buffer.from('123456789');
  assert.is(refCrc32c(check), 0xe3069283); // the standard CRC-32C check value
  assert.is(maskedCrc32c(check), maskCrc(0xe3069283));
  const framed = frameRecord(Buffer.from('hello'));
  assert.is(framed.length, 8 + 4 + 5 + 4);
  assert.equal(readRecords(framed).map((b) => b.toString()), ['hello']);
});

test('SummaryWriter writes a readable event file', () => {
  const logdir = freshDir();
  const before = Date.now() / 1000;
  const w = new SummaryWriter(logdir);
  assert.ok(basename(w.path).startsWith('events.out.tfevents.'));
  assert.ok(basename(w.path).endsWith(`.${hostname()}`));
  assert.equal(readdirSync(logdir), [basename(w.path)]);

  w.scalar('loss/train', 0, 0); // zero must still be written, not dropped as a proto3 default
  w.scalar('loss/train', 0.25, 1);
  w.scalar('kendall', -0.5, 2 ** 40);
  const markdown = '# Config\n\n| key | value |\n|---|---|\n| α | 0.5 |';
  w.text('config', markdown, 3);
  const values = [1, 2, 2, 3, 3, 3, 10, NaN];
  w.histogram('weights', values, 4);
  const png = encodePng(new Uint8Array(2 * 3 * 4).fill(200), 2, 3);
  w.image('scatter', png, 2, 3, 5);

  // Everything is on disk before flush/close (a crash would lose nothing).
  const events = readRecords(readFileSync(w.path)).map(parseMessage);
  w.flush();
  w.close();
  w.close();
  assert.throws(() => w.scalar('x', 1, 1), /closed/);
  assert.is(readRecords(readFileSync(w.path)).length, events.length);
  assert.is(events.length, 7);

  assert.is(str(events[0], 3), 'brain.Event:2');
  for (const e of events) {
    const t = double(e, 1)!;
    assert.ok(t >= before - 1 && t <= Date.now() / 1000 + 1, `wall_time ${t}`);
  }

  const scalars = events.slice(1, 4).map(summaryValue);
  assert.equal(scalars.map((s) => s.step), [0, 1, 2 ** 40]);
  assert.equal(scalars.map((s) => str(s.value, 1)), ['loss/train', 'loss/train', 'kendall']);
  assert.equal(scalars.map((s) => float(s.value, 2)), [0, 0.25, -0.5]);

  const text = summaryValue(events[4]);
  assert.is(text.step, 3);
  assert.is(str(text.value, 1), 'config');
  const meta = sub(text.value, 9)!;
  assert.is(str(sub(meta, 1)!, 1), 'text');
  const tensor = sub(text.value, 8)!;
  assert.is(int(tensor, 1), 7); // DT_STRING
  assert.equal(repeatedBytes(tensor, 8).map((b) => b.toString('utf8')), [markdown]);

  const histo = summaryValue(events[5]);
  assert.is(histo.step, 4);
  assert.is(str(histo.value, 1), 'weights');
  const h = sub(histo.value, 5)!;
  assert.equal([double(h, 1), double(h, 2), double(h, 3), double(h, 4), double(h, 5)], [1, 10, 7, 24, 136]);
  const limits = doubles(h, 6);
  const counts = doubles(h, 7);
  assert.is(limits.length, 30);
  assert.is(counts.length, 30);
  assert.is(limits[29], 10);
  for (let i = 1; i < limits.length; i++) assert.ok(limits[i] > limits[i - 1]);
  assert.is(counts.reduce((a, b) => a + b, 0), 7);
  assert.is(counts[0], 1);
  assert.is(counts[29], 1);

  const image = summaryValue(events[6]);
  assert.is(image.step, 5);
  assert.is(str(image.value, 1), 'scatter');
  const img = sub(image.value, 4)!;
  assert.equal([int(img, 1), int(img, 2), int(img, 3)], [3, 2, 4]); // height, width, RGBA
  assert.ok(bytes(img, 4)!.equals(Buffer.from(png)));
});

test('writers started in the same second get distinct files; bad steps throw', () => {
  const logdir = freshDir();
  const a = new SummaryWriter(logdir);
  const b = new SummaryWriter(logdir);
  assert.is.not(a.path, b.path);
  assert.throws(() => a.scalar('x', 1, 1.5), /step/);
  a.close();
  b.close();
  assert.is(readdirSync(logdir).length, 2);
  for (const p of [a.path, b.path]) assert.is(readRecords(readFileSync(p)).length, 1);
});

test('makeHistogram edge cases', () => {
  const constant = makeHistogram([2, 2, 2]);
  assert.equal(constant, { min: 2, max: 2, num: 3, sum: 6, sum_squares: 12, bucket_limit: [2], bucket: [3] });
  const empty = makeHistogram([NaN, Infinity]);
  assert.is(empty.num, 0);
  assert.is(empty.bucket.length, empty.bucket_limit.length);
  const h = makeHistogram(Float32Array.from([0, 1, 2, 3]), 4);
  assert.equal(h.bucket_limit, [0.75, 1.5, 2.25, 3]);
  assert.equal(h.bucket, [1, 1, 1, 1]);
});

test.run();
