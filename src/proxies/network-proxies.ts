import { macCount, paramCount } from '../nn/network.ts';
import { symmetricEigenvalues } from '../util/linalg.ts';
import { kernelLogDet } from './nwot.ts';
import type { NetworkProxy } from './proxy.ts';

export const params: NetworkProxy = {
  name: 'params',
  description: 'parameters in millions (conv, linear, BN affine)',
  level: 'network',
  pass: 'weights',
  value: (t) => paramCount(t.net) / 1e6,
};

export const flops: NetworkProxy = {
  name: 'flops',
  description: 'multiply-accumulates of conv and linear layers per 32×32 image, in millions',
  level: 'network',
  pass: 'weights',
  value: (t) => macCount(t.net) / 1e6,
};

export const nwotNetwork: NetworkProxy = {
  name: 'nwot',
  description: 'NASWOT ln|det K| of the summed ReLU-code kernels of all ReLUs (null when singular)',
  level: 'network',
  pass: 'activations',
  needsReluKernel: true,
  value: (t) => kernelLogDet(t.reluKernel!, t.batchSize),
};

/** Jacobian covariance (Mellor et al. 2021 v1): −Σ ln(λ + k) + 1/(λ + k) of the eigenvalues of the
 * correlation matrix of per-example input Jacobians, k = 1e-5. */
export const jacov: NetworkProxy = {
  name: 'jacov',
  description: 'Jacobian covariance score of the input Jacobians',
  level: 'network',
  pass: 'jacobian',
  value: (t) => {
    const { values, rows, cols } = t.jacobian!;
    const corr = new Float64Array(rows * rows);
    const centred = new Float64Array(values.length);
    const norms = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let mean = 0;
      for (let c = 0; c < cols; c++) mean += values[r * cols + c];
      mean /= cols;
      let ss = 0;
      for (let c = 0; c < cols; c++) {
        const v = values[r * cols + c] - mean;
        centred[r * cols + c] = v;
        ss += v * v;
      }
      norms[r] = Math.sqrt(ss);
    }
    for (let i = 0; i < rows; i++) {
      for (let j = i; j < rows; j++) {
        let dot = 0;
        for (let c = 0; c < cols; c++) dot += centred[i * cols + c] * centred[j * cols + c];
        const v = norms[i] > 0 && norms[j] > 0 ? dot / (norms[i] * norms[j]) : i === j ? 1 : 0;
        corr[i * rows + j] = corr[j * rows + i] = v;
      }
    }
    const k = 1e-5;
    return -symmetricEigenvalues(corr, rows).reduce((s, l) => s + Math.log(Math.max(l, 0) + k) + 1 / (Math.max(l, 0) + k), 0);
  },
};

/** Zen-NAS (Lin et al. 2021): ln E‖f(x) − f(x + 0.01ε)‖₁ + Σ_BN ln √(mean batch variance), Gaussian weights. */
export const zen: NetworkProxy = {
  name: 'zen',
  description: 'Zen score with Gaussian weights and input (BN scaling from batch variances)',
  level: 'network',
  pass: 'gaussian',
  value: (t) => Math.log(t.zen!.featureDistance) + t.zen!.logBnScale,
};
