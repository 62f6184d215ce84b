import * as tf from '@tensorflow/tfjs';

/** Runs a proxy's statistic in its own tidy scope: only a returned tensor outlives it. */
export function tidyValue(f: () => tf.Scalar | number | null): tf.Scalar | number | null {
  let plain: number | null = null;
  const kept = tf.tidy(() => {
    const v = f();
    if (v instanceof tf.Tensor) return v;
    plain = v;
    return undefined;
  });
  return kept ? (kept as tf.Scalar) : plain;
}

/** The values of many scalars with one sync (each read costs a round trip); disposes the scalars. */
export function readScalars(scalars: tf.Scalar[]): tf.TypedArray {
  const values = tf.tidy(() => tf.stack(scalars).dataSync());
  tf.dispose(scalars);
  return values;
}
