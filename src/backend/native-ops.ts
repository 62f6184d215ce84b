// Training-time kernels that TensorFlow has natively but tfjs composes from many small ones. On the
// tfjs-node backend each composed kernel is a separate native call (~0.1 ms of overhead on top of its
// work), so batch norm (14 kernels forward and backward) and the ReLU gradient (5) dominated a harvest
// after the convolutions. Here they are one TensorFlow op each: FusedBatchNormV3 / FusedBatchNormGradV3
// and ReluGrad. Only the 'tensorflow' backend has them; the layers fall back to tfjs ops elsewhere.
import * as tf from '@tensorflow/tfjs';

interface TfeOpAttr {
  name: string;
  type: number;
  value: unknown;
}

/** The parts of tfjs-node's NodeJSKernelBackend used here (it has no types in this project). */
interface NativeBackend {
  binding: { TF_FLOAT: number; TF_ATTR_TYPE: number; TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number };
  executeSingleOutput(name: string, attrs: TfeOpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: TfeOpAttr[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
}

/** The native backend when it is the active one, else null. */
export function nativeBackend(): NativeBackend | null {
  return tf.getBackend() === 'tensorflow' ? (tf.backend() as unknown as NativeBackend) : null;
}

function batchNormAttrs(b: NativeBackend, epsilon: number): TfeOpAttr[] {
  const { binding: t } = b;
  return [
    { name: 'T', type: t.TF_ATTR_TYPE, value: t.TF_FLOAT },
    { name: 'U', type: t.TF_ATTR_TYPE, value: t.TF_FLOAT },
    { name: 'epsilon', type: t.TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: t.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: t.TF_ATTR_BOOL, value: true },
  ];
}

/** Batch norm with batch statistics, γ = 1, β = 0 (the init affine), as TensorFlow's fused op; the
 * gradient is its fused gradient op. Forward and backward are one native kernel each. */
export function nativeBatchNormTrain(b: NativeBackend, x: tf.Tensor4D, epsilon: number): tf.Tensor4D {
  const channels = x.shape[3];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const scale = tf.ones([channels]);
    const offset = tf.zeros([channels]);
    const empty = tf.tensor1d([]);
    const [y, mean, variance, r1, r2, r3] = b.executeMultipleOutputs(
      'FusedBatchNormV3', [...batchNormAttrs(b, epsilon), { name: 'exponential_avg_factor', type: b.binding.TF_ATTR_FLOAT, value: 1 }],
      [input, scale, offset, empty, empty], 6);
    tf.dispose([offset, empty, mean, variance]);
    save([input, scale, r1, r2, r3]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dx, dScale, dOffset, r4, r5] = b.executeMultipleOutputs(
          'FusedBatchNormGradV3', batchNormAttrs(b, epsilon), [dy, ...saved], 5);
        tf.dispose([dScale, dOffset, r4, r5]);
        return [dx];
      },
    };
  });
  return f(x) as tf.Tensor4D;
}

/** ReLU whose gradient is TensorFlow's ReluGrad (one kernel). */
export function nativeRelu(b: NativeBackend, x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const y = tf.relu(input);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [out]: tf.Tensor[]) =>
        [b.executeSingleOutput('ReluGrad', [{ name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT }], [dy, out])],
    };
  });
  return f(x);
}
