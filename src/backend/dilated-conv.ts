// Dilated convolutions with a gradient on every backend: tfjs-core's conv2d / depthwiseConv2d
// gradients assert dilation 1, and DARTS' dil_conv needs dilation 2 (with stride 2 in reduction
// cells, which the core ops refuse as well).
import * as tf from '@tensorflow/tfjs';
import { convBackpropFilter, convBackpropInput, convForward, convPads, pair, type Pair, type Shape4 }
  from './wasm-gradients.ts';

export type DilatedPad = 'same' | 'valid' | number;

function dilated(x: tf.Tensor4D, filter: tf.Tensor4D, strides: Pair, pad: DilatedPad, dilations: Pair,
  depthwise: boolean): tf.Tensor4D {
  if (dilations[0] === 1 && dilations[1] === 1) {
    return depthwise ? tf.depthwiseConv2d(x, filter, strides, pad) : tf.conv2d(x, filter, strides, pad);
  }
  const p = convPads(x.shape, filter.shape as Shape4, strides, dilations, pad, undefined, depthwise);
  const op = tf.customGrad(((xi: tf.Tensor4D, fi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([xi, fi]);
    return {
      value: convForward(xi, fi, strides, dilations, p, depthwise),
      gradFunc: (dy: tf.Tensor4D, [xs, fs]: tf.Tensor4D[]) => [
        convBackpropInput(dy, fs, xs.shape, strides, dilations, p, depthwise),
        convBackpropFilter(xs, dy, fs.shape, strides, dilations, p, depthwise),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, filter) as tf.Tensor4D;
}

/** conv2d (NHWC, filter [kh, kw, in, out]) with dilation; differentiable in x and filter. */
export function dilatedConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, strides: number | Pair, pad: DilatedPad,
  dilation: number | Pair): tf.Tensor4D {
  return dilated(x, filter, pair(strides), pad, pair(dilation), false);
}

/** depthwiseConv2d (NHWC, filter [kh, kw, in, multiplier]) with dilation; differentiable in x and filter. */
export function dilatedDepthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, strides: number | Pair,
  pad: DilatedPad, dilation: number | Pair): tf.Tensor4D {
  return dilated(x, filter, pair(strides), pad, pair(dilation), true);
}
