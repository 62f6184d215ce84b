import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePng, scatterPlotPng, SCATTER_DEFAULTS } from '../../src/tensorboard/png.ts';
import { decodePng, type DecodedPng } from './decode.ts';

test('encodePng round-trips pixels', () => {
  const width = 7;
  const height = 5;
  const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 37) % 256);
  const png = decodePng(encodePng(rgba, width, height));
  assert.is(png.width, width);
  assert.is(png.height, height);
  assert.ok(png.rgba.equals(rgba));
});

test('encodePng validates its input', () => {
  assert.throws(() => encodePng(new Uint8Array(15), 2, 2), /RGBA bytes/);
  assert.throws(() => encodePng(new Uint8Array(0), 0, 0), /invalid PNG size/);
});

const pixel = (img: DecodedPng, x: number, y: number) => [...img.rgba.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];
const isBackground = (p: number[]) => p[0] === 255 && p[1] === 255 && p[2] === 255;
/** Point pixels are bluish (blue channel clearly above red); axes and labels are grey/black. */
const isPoint = (p: number[]) => p[2] - p[0] > 40;

function pointCentroid(img: DecodedPng): [number, number, number] {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (isPoint(pixel(img, x, y))) {
        sx += x;
        sy += y;
        n++;
      }
    }
  }
  return [sx / n, sy / n, n];
}

test('scatterPlotPng draws axes and points where expected', () => {
  const img = decodePng(scatterPlotPng([0.1, 0.2, 0.15], [0.1, 0.15, 0.2], { xRange: [0, 1], yRange: [0, 1] }));
  assert.is(img.width, SCATTER_DEFAULTS.width);
  assert.is(img.height, SCATTER_DEFAULTS.height);
  assert.ok(isBackground(pixel(img, img.width - 1, 0)), 'top-right corner is background');
  // Low x and low y → points in the lower-left quadrant.
  const [cx, cy, n] = pointCentroid(img);
  assert.ok(n > 0, 'points drawn');
  assert.ok(cx < img.width / 2 && cy > img.height / 2, `centroid ${cx},${cy}`);
  // There is a dark axis line along most of the bottom of the plot.
  let darkRows = 0;
  for (let y = 0; y < img.height; y++) {
    let dark = 0;
    for (let x = 0; x < img.width; x++) if (pixel(img, x, y)[0] === 0) dark++;
    if (dark > img.width * 0.8) darkRows++;
  }
  assert.ok(darkRows >= 1, 'x axis line');

  const hi = decodePng(scatterPlotPng([0.9], [0.9], { xRange: [0, 1], yRange: [0, 1], width: 200, height: 100 }));
  assert.is(hi.width, 200);
  const [hx, hy] = pointCentroid(hi);
  assert.ok(hx > hi.width / 2 && hy < hi.height / 2, `centroid ${hx},${hy}`);
});

test('scatterPlotPng skips non-finite points and handles degenerate data', () => {
  const onlyBad = decodePng(scatterPlotPng([NaN, Infinity], [1, 2]));
  assert.is(pointCentroid(onlyBad)[2], 0);
  const constant = decodePng(scatterPlotPng([5, 5, 5], [0.7, 0.7, 0.7]));
  assert.ok(pointCentroid(constant)[2] > 0);
  const big = Array.from({ length: 300_000 }, (_, i) => i);
  assert.ok(scatterPlotPng(big, big).length > 0);
  assert.throws(() => scatterPlotPng([1], [1, 2]), /length mismatch/);
  assert.throws(() => scatterPlotPng([1], [1], { xRange: [1, 0] }), /increasing/);
});

test.run();
