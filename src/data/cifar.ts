import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { UserError } from '../errors.ts';
import { deriveSeed, randomSource, shuffle } from '../random.ts';
import { resolveDataFile } from './paths.ts';

export type CifarDataset = 'cifar10' | 'cifar100';

export interface ImageBatch {
  /** NHWC, normalised per channel with the NAS-Bench-201 mean and std. */
  images: Float32Array;
  /** Class per image (CIFAR-100: the fine label). */
  labels: Int32Array;
  /** Classes of the requested dataset: the head's width, whatever the images' source. */
  numClasses: number;
  /** Whose images these are (see imageSource). */
  source: CifarDataset;
  shape: [number, number, number, number];
}

export interface ImageBatchOptions {
  dataset: CifarDataset;
  batchSize: number;
  seed: number;
  /** A CIFAR binary file to draw from instead of the default training files: absolute, or relative to
   * the data directory (e.g. "cifar100/train.bin"). */
  file?: string;
}

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const IMAGE_BYTES = 3 * PIXELS;

interface Format {
  /** Label bytes before each image; the class is the last of them (CIFAR-100: coarse, then fine). */
  labelBytes: number;
  numClasses: number;
  mean: [number, number, number];
  std: [number, number, number];
  defaultFiles: string[];
}

// Normalisation constants of the NAS-Bench-201 training code, so proxies see the inputs the benchmark saw.
const FORMATS: Record<CifarDataset, Format> = {
  cifar10: {
    labelBytes: 1,
    numClasses: 10,
    mean: [125.3 / 255, 123.0 / 255, 113.9 / 255],
    std: [63.0 / 255, 62.1 / 255, 66.7 / 255],
    defaultFiles: [0, 1, 2, 3].map((i) => `cifar10/cifar10_train_batch${i}.bin`),
  },
  cifar100: {
    labelBytes: 2,
    numClasses: 100,
    mean: [129.3 / 255, 124.1 / 255, 112.4 / 255],
    std: [68.2 / 255, 65.4 / 255, 70.4 / 255],
    // Not part of the shared benchmark data: train.bin of the official binary release.
    defaultFiles: ['cifar100/train.bin'],
  },
};

const CIFAR100_SOURCE = 'CIFAR-100 is not in the benchmark data: take train.bin from the official binary release '
  + '(https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz) and pass it with its path';

function inDataDir(files: string[]): boolean {
  try {
    files.forEach(resolveDataFile);
    return true;
  } catch (e) {
    if (e instanceof UserError) return false;
    throw e;
  }
}

/** Whose images a dataset's batch is drawn from: its own default files, except CIFAR-100 when its binary
 * is not in the data directory (the shared benchmark data has only CIFAR-10): then the CIFAR-10 images,
 * under a 100-class head (labels 0..9 of 100), so spaces whose ground truth is CIFAR-100 (ViT-Bench-101)
 * can be harvested with the images at hand. */
export function imageSource(dataset: CifarDataset): CifarDataset {
  return dataset === 'cifar100' && !inDataDir(FORMATS.cifar100.defaultFiles) ? 'cifar10' : dataset;
}

let fallbackNoted = false;

interface ParsedFile {
  path: string;
  bytes: Uint8Array;
  count: number;
}

// Raw file bytes per (format, absolute path); images are normalised only when drawn into a batch.
const parsed = new Map<string, ParsedFile>();

function locate(file: string, dataset: CifarDataset): string {
  if (isAbsolute(file)) {
    if (!existsSync(file)) throw new UserError(`missing ${dataset} file ${file}`);
    return file;
  }
  try {
    return resolveDataFile(file);
  } catch (e) {
    if (dataset === 'cifar100' && e instanceof UserError) throw new UserError(`${e.message} ${CIFAR100_SOURCE}.`);
    throw e;
  }
}

function parseFile(path: string, dataset: CifarDataset): ParsedFile {
  const key = `${dataset}\u0000${path}`;
  const cached = parsed.get(key);
  if (cached) return cached;
  const { labelBytes, numClasses } = FORMATS[dataset];
  const record = labelBytes + IMAGE_BYTES;
  const bytes = readFileSync(path);
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new UserError(`${path} is not a ${dataset} binary file: its size, ${bytes.length} bytes, is not a multiple of the ${record}-byte record`);
  }
  const count = bytes.length / record;
  for (let i = 0; i < count; i++) {
    const label = bytes[i * record + labelBytes - 1];
    if (label >= numClasses) throw new UserError(`${path} is not a ${dataset} binary file: image ${i} has label ${label} (expected 0..${numClasses - 1})`);
  }
  const file = { path, bytes, count };
  parsed.set(key, file);
  return file;
}

/** `batchSize` training images drawn without replacement, the same ones for the same seed: the images of
 * all files are pooled in file order and shuffled with randomSource(deriveSeed('image-batch', source,
 * seed)), source = imageSource(dataset) (or the dataset itself with `file`). Labels come from the binary
 * records; pixels are converted from CIFAR's planar RGB to NHWC. */
export function loadImageBatch(opts: ImageBatchOptions): ImageBatch {
  const { dataset, batchSize, seed } = opts;
  if (!FORMATS[dataset]) throw new UserError(`unknown image dataset "${dataset}" (expected ${Object.keys(FORMATS).join(' or ')})`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`batch size must be a positive integer, got ${batchSize}`);
  const source = opts.file ? dataset : imageSource(dataset);
  if (source !== dataset && !fallbackNoted) {
    fallbackNoted = true;
    process.stderr.write(`parzc: ${FORMATS[dataset].defaultFiles.join(', ')} is not in the data directory: the batch is `
      + `CIFAR-10 images under a ${FORMATS[dataset].numClasses}-class head; for real CIFAR-100 images put train.bin of `
      + 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz there\n');
  }
  const format = FORMATS[source];
  const names = opts.file ? [opts.file] : format.defaultFiles;
  const files = names.map((name) => parseFile(locate(name, source), source));
  const total = files.reduce((n, f) => n + f.count, 0);
  if (batchSize > total) {
    throw new UserError(`batch size ${batchSize} needs more images than ${files.map((f) => f.path).join(', ')} hold (${total})`);
  }

  // Seeded by the source, so a fallback batch is the CIFAR-10 batch of the same seed.
  const order = shuffle(Int32Array.from({ length: total }, (_, i) => i), randomSource(deriveSeed('image-batch', source, seed)));
  const record = format.labelBytes + IMAGE_BYTES;
  const images = new Float32Array(batchSize * IMAGE_BYTES);
  const labels = new Int32Array(batchSize);
  const scale = format.std.map((s) => 1 / (255 * s));
  const shift = format.mean.map((m, c) => m / format.std[c]);
  for (let b = 0; b < batchSize; b++) {
    let i = order[b];
    let f = 0;
    while (i >= files[f].count) i -= files[f++].count;
    const base = i * record;
    const bytes = files[f].bytes;
    labels[b] = bytes[base + format.labelBytes - 1];
    const out = b * IMAGE_BYTES;
    for (let p = 0; p < PIXELS; p++) {
      for (let c = 0; c < 3; c++) {
        images[out + p * 3 + c] = bytes[base + format.labelBytes + c * PIXELS + p] * scale[c] - shift[c];
      }
    }
  }
  return { images, labels, numClasses: FORMATS[dataset].numClasses, source, shape: [batchSize, SIDE, SIDE, 3] };
}
