// Minimal PNG encoder (8-bit RGBA, no filtering) and a scatter plot renderer for TensorBoard images.
import { deflateSync } from 'node:zlib';
import { crc32 } from '@node-rs/crc32';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  // The CRC covers the chunk type and data, not the length.
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** Encodes row-major RGBA pixels (4 bytes each, length width·height·4) as a PNG file. */
export function encodePng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`invalid PNG size ${width}x${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new Error(`expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA; compression, filter and interlace methods stay 0
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let row = 0; row < height; row++) {
    // Each scanline starts with its filter type byte (0 = None).
    raw.set(rgba.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

export type Rgba = [number, number, number, number];

export interface ScatterOptions {
  width?: number;
  height?: number;
  /** Axis ranges; default: the finite data range padded by 5%. */
  xRange?: [number, number];
  yRange?: [number, number];
  pointRadius?: number;
  /** Alpha below 255 lets dense regions show up darker. */
  pointColor?: Rgba;
  background?: Rgba;
}

export const SCATTER_DEFAULTS = { width: 480, height: 360, pointRadius: 2 } as const;

// 3×5 bitmap glyphs for tick labels, one 3-bit row per entry (MSB = left column).
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2],
  '-': [0, 0, 7, 0, 0],
  '+': [0, 2, 7, 2, 0],
  e: [2, 5, 7, 4, 3],
};
const FONT_SCALE = 2;
const CHAR_ADVANCE = 4 * FONT_SCALE;
const CHAR_HEIGHT = 5 * FONT_SCALE;

function tickLabel(v: number): string {
  return String(Number(v.toPrecision(3)));
}

function dataRange(values: number[]): [number, number] {
  // A loop rather than Math.min(...values), which overflows the stack for large inputs.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo > hi) return [0, 1];
  const pad = hi > lo ? 0.05 * (hi - lo) : Math.max(0.5, Math.abs(lo) * 0.05);
  return [lo - pad, hi + pad];
}

/**
 * Renders a scatter plot (e.g. predicted score vs. true accuracy) as PNG bytes: axes with five
 * labelled ticks each, and one alpha-blended disc per point. Points with a non-finite coordinate
 * or outside the axis ranges are skipped. Size defaults to SCATTER_DEFAULTS.width × height.
 */
export function scatterPlotPng(x: number[], y: number[], opts: ScatterOptions = {}): Uint8Array {
  if (x.length !== y.length) throw new Error(`length mismatch: ${x.length} vs ${y.length}`);
  const width = opts.width ?? SCATTER_DEFAULTS.width;
  const height = opts.height ?? SCATTER_DEFAULTS.height;
  const radius = opts.pointRadius ?? SCATTER_DEFAULTS.pointRadius;
  const [x0, x1] = opts.xRange ?? dataRange(x);
  const [y0, y1] = opts.yRange ?? dataRange(y);
  if (!(x1 > x0) || !(y1 > y0)) throw new Error('axis ranges must be increasing');
  const [br, bg, bb, ba] = opts.background ?? [255, 255, 255, 255];
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < pixels.length; i += 4) pixels.set([br, bg, bb, ba], i);

  const blend = (px: number, py: number, [r, g, b, a]: Rgba) => {
    if (px < 0 || py < 0 || px >= width || py >= height) return;
    const i = (py * width + px) * 4;
    const t = a / 255;
    pixels[i] = Math.round(r * t + pixels[i] * (1 - t));
    pixels[i + 1] = Math.round(g * t + pixels[i + 1] * (1 - t));
    pixels[i + 2] = Math.round(b * t + pixels[i + 2] * (1 - t));
    pixels[i + 3] = Math.max(pixels[i + 3], a);
  };
  const black: Rgba = [0, 0, 0, 255];
  const drawText = (text: string, left: number, top: number) => {
    [...text].forEach((ch, c) => {
      (GLYPHS[ch] ?? []).forEach((bits, row) => {
        for (let col = 0; col < 3; col++) {
          if (!(bits & (4 >> col))) continue;
          for (let dy = 0; dy < FONT_SCALE; dy++) {
            for (let dx = 0; dx < FONT_SCALE; dx++) {
              blend(left + c * CHAR_ADVANCE + col * FONT_SCALE + dx, top + row * FONT_SCALE + dy, black);
            }
          }
        }
      });
    });
  };

  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const xLabels = ticks.map((t) => tickLabel(x0 + t * (x1 - x0)));
  const yLabels = ticks.map((t) => tickLabel(y0 + t * (y1 - y0)));
  // Margins sized to fit the tick labels.
  const left = Math.max(...yLabels.map((s) => s.length)) * CHAR_ADVANCE + 8;
  const bottom = CHAR_HEIGHT + 10;
  const top = 10;
  const right = Math.ceil((Math.max(...xLabels.map((s) => s.length)) * CHAR_ADVANCE) / 2) + 4;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  if (plotW < 10 || plotH < 10) throw new Error(`plot size ${width}x${height} is too small`);
  const toPx = (v: number) => left + Math.round(((v - x0) / (x1 - x0)) * (plotW - 1));
  const toPy = (v: number) => top + plotH - 1 - Math.round(((v - y0) / (y1 - y0)) * (plotH - 1));

  for (let px = left; px < left + plotW; px++) blend(px, top + plotH, black);
  for (let py = top; py <= top + plotH; py++) blend(left - 1, py, black);
  ticks.forEach((t, k) => {
    const px = left + Math.round(t * (plotW - 1));
    const py = top + plotH - 1 - Math.round(t * (plotH - 1));
    for (let d = 1; d <= 4; d++) {
      blend(px, top + plotH + d, black);
      blend(left - 1 - d, py, black);
    }
    const xl = xLabels[k];
    drawText(xl, px - Math.floor((xl.length * CHAR_ADVANCE) / 2), top + plotH + 6);
    const yl = yLabels[k];
    drawText(yl, left - 6 - yl.length * CHAR_ADVANCE, py - Math.floor(CHAR_HEIGHT / 2));
  });

  const color = opts.pointColor ?? [31, 119, 180, 160];
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] >= x0 && x[i] <= x1 && y[i] >= y0 && y[i] <= y1)) continue; // also drops NaN
    const cx = toPx(x[i]);
    const cy = toPy(y[i]);
    for (let dy = -radius; dy <= radius; dy++) {
      for (let dx = -radius; dx <= radius; dx++) {
        if (dx * dx + dy * dy <= radius * radius + radius) blend(cx + dx, cy + dy, color);
      }
    }
  }
  return encodePng(pixels, width, height);
}
